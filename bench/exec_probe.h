// The daemon's own part of an exec, without the lxc client's start: what `lxc exec C -- true`
// asks of the daemon, step by step, timed.
#pragma once

#include <string>

namespace bench {

// Runs `true` in the instance at instancePath (e.g. /1.0/instances/c1) `runs` times as the lxc
// client does (POST exec, websockets control, 0, 1, 2, stdin's end, stdout and stderr to their
// end, the operation's wait) and prints each step's median in ms as one JSON line; 0 when all
// ran with exit code 0.
int runExecProbe(const std::string& socket, const std::string& instancePath, int runs);

}  // namespace bench
