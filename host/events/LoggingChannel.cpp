#include "events/LoggingChannel.h"

#include <Poco/Message.h>

#include "events/EventHub.h"

namespace lxdp::events {

namespace {
const char* levelName(Poco::Message::Priority p) {
    switch (p) {
    case Poco::Message::PRIO_FATAL:
    case Poco::Message::PRIO_CRITICAL: return "crit";
    case Poco::Message::PRIO_ERROR: return "error";
    case Poco::Message::PRIO_WARNING: return "warn";
    case Poco::Message::PRIO_DEBUG:
    case Poco::Message::PRIO_TRACE: return "debug";
    default: return "info";
    }
}
}  // namespace

void LoggingChannel::log(const Poco::Message& message) {
    events_.publish("logging", "",
                    {{"message", message.getText()},
                     {"level", levelName(message.getPriority())},
                     {"context", {{"source", message.getSource()}}}});
}

}  // namespace lxdp::events
