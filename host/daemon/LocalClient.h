// A minimal HTTP client on the unix socket, for the subcommands that talk to a running daemon.
#pragma once

#include <string>

namespace lxdp::daemon {

// Sends one request; returns the HTTP status, or 0 when the daemon could not be reached.
int localRequest(const std::string& socketPath, const std::string& method, const std::string& path,
                 std::string* body = nullptr, int timeoutSec = 10);

}  // namespace lxdp::daemon
