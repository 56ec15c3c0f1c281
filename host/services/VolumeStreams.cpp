#include "services/VolumeStreams.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

#include "ops/Operation.h"
#include "plugins/PluginError.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {

std::string reason(const std::exception_ptr& failure) {
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown failure";
    }
}

// The driver's NOTSUP: it wrote nothing, and the volume's files are to be copied instead.
bool refusedToSend(const std::exception_ptr& failure) {
    try {
        std::rethrow_exception(failure);
    } catch (const plugins::PluginError& e) {
        return e.code() == LXDP_E_NOTSUP;
    } catch (...) {
        return false;
    }
}

}  // namespace

bool canStream(const plugins::StoragePool& from, const plugins::StoragePool& to) {
    return from.driverName() == to.driverName() && from.streamsVolumes() && to.streamsVolumes();
}

bool streamVolume(plugins::StoragePool& from, const plugins::VolumeRef& src, const plugins::VolumeRef* parent,
                  plugins::StoragePool& to, const plugins::VolumeRef& dst, ops::Operation& op) {
    // A pipe between the two drivers: no copy of the stream is ever kept.
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw InternalError(std::string("Failed to create a pipe: ") + std::strerror(errno));
    std::exception_ptr sendFailure, receiveFailure;
    std::thread sender([&] {
        try {
            from.sendVolume(src, parent, fds[1], op.abiHandle());
        } catch (...) {
            sendFailure = std::current_exception();
        }
        // The end of the stream for the receiver, whatever happened.
        ::close(fds[1]);
    });
    try {
        to.receiveVolume(dst, fds[0], op.abiHandle());
    } catch (...) {
        receiveFailure = std::current_exception();
    }
    // A sender still writing (the receiver gave up) gets EPIPE rather than waiting forever.
    ::close(fds[0]);
    sender.join();

    if (!sendFailure && !receiveFailure) return true;
    // A stream cut short may still have made a valid-looking volume: it goes.
    if (!receiveFailure) try { to.deleteVolume(dst, nullptr); } catch (...) {}
    if (!sendFailure) std::rethrow_exception(receiveFailure);
    // The receiver then saw an empty stream and made nothing.
    if (refusedToSend(sendFailure)) return false;
    // Either side may have failed first (the other then sees a broken pipe or a cut stream).
    throw InternalError("Failed to copy volume \"" + src.name + "\" as a stream: sending: " + reason(sendFailure) +
                        (receiveFailure ? "; receiving: " + reason(receiveFailure) : std::string()));
}

void streamSnapshot(plugins::StoragePool& from, const plugins::VolumeRef& src, const plugins::VolumeRef* parent,
                    plugins::StoragePool& to, const plugins::VolumeRef& dst, ops::Operation& op) {
    if (!streamVolume(from, src, parent, to, dst, op))
        throw InternalError("Storage driver \"" + from.driverName() + "\" refused to stream snapshot \"" + src.name +
                            "\"");
}

}  // namespace lxdp::services
