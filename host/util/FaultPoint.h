// Crash-consistency fault points (reliability battery, family K): LXDP_FAULT_POINT=name[:count]
// in the daemon's environment makes the count-th arrival (default 1) at faultPoint("name")
// SIGKILL the daemon, so the tests can check that a restart leaves the finished result or no
// trace. name:count:fail throws an error there instead (a failing schema migration, D-1).
//
// Compiled into every build rather than behind a CMake option: the tests drive the daemon that
// ships, and an unarmed point costs one load and one branch.
#pragma once

#include <string_view>

namespace lxdp::util {

// Reads LXDP_FAULT_POINT; called once, first thing at daemon start-up.
void armFaultPoint();

namespace detail {
extern bool faultPointArmed;
void reachFaultPoint(std::string_view name);
}  // namespace detail

inline void faultPoint(std::string_view name) {
    if (detail::faultPointArmed) detail::reachFaultPoint(name);
}

}  // namespace lxdp::util
