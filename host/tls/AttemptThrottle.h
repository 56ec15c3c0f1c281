// Slows down password guessing: after a few failures from one address, that address must wait,
// twice as long after each further failure, before a password of its is even checked.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace lxdp::tls {

class AttemptThrottle {
public:
    using Clock = std::chrono::steady_clock;

    // How long address must still wait before its next attempt counts (zero: go ahead).
    Clock::duration waitFor(const std::string& address, Clock::time_point now = Clock::now());
    void failed(const std::string& address, Clock::time_point now = Clock::now());
    void succeeded(const std::string& address);

private:
    struct State {
        int failures = 0;
        Clock::time_point last;
        Clock::time_point blockedUntil;
    };
    void prune(Clock::time_point now);

    std::mutex mutex_;
    std::map<std::string, State> states_;
};

}  // namespace lxdp::tls
