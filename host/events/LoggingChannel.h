// Forwards the daemon's log messages to /1.0/events listeners of type "logging" (lxc monitor).
#pragma once

#include <Poco/Channel.h>

namespace lxdp::events {

class EventHub;

class LoggingChannel : public Poco::Channel {
public:
    explicit LoggingChannel(EventHub& events) : events_(events) {}
    void log(const Poco::Message& message) override;

private:
    EventHub& events_;
};

}  // namespace lxdp::events
