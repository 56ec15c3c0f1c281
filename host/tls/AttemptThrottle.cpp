#include "tls/AttemptThrottle.h"

#include <algorithm>

namespace lxdp::tls {

namespace {
// Three free mistakes, then 0.5 s, 1 s, 2 s ... up to a minute between attempts.
constexpr int kFreeFailures = 3;
constexpr auto kFirstDelay = std::chrono::milliseconds(500);
constexpr auto kMaxDelay = std::chrono::seconds(60);
// An address that stays quiet this long starts afresh; keeps the table small.
constexpr auto kForgetAfter = std::chrono::hours(1);
constexpr size_t kPruneAbove = 1024;
}  // namespace

AttemptThrottle::Clock::duration AttemptThrottle::waitFor(const std::string& address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = states_.find(address);
    if (it == states_.end() || it->second.blockedUntil <= now) return Clock::duration::zero();
    return it->second.blockedUntil - now;
}

void AttemptThrottle::failed(const std::string& address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (states_.size() > kPruneAbove) prune(now);
    State& s = states_[address];
    if (s.failures > 0 && now - s.last > kForgetAfter) s.failures = 0;
    ++s.failures;
    s.last = now;
    if (s.failures > kFreeFailures) {
        const int doublings = std::min(s.failures - kFreeFailures - 1, 16);
        const auto delay = std::min<Clock::duration>(kFirstDelay * (1 << doublings), kMaxDelay);
        s.blockedUntil = now + delay;
    }
}

void AttemptThrottle::succeeded(const std::string& address) {
    std::lock_guard lock(mutex_);
    states_.erase(address);
}

void AttemptThrottle::prune(Clock::time_point now) {
    for (auto it = states_.begin(); it != states_.end();)
        it = now - it->second.last > kForgetAfter ? states_.erase(it) : std::next(it);
}

}  // namespace lxdp::tls
