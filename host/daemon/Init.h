// `lxd init`: configures a running daemon from a preseed (--preseed, YAML on stdin), from a few
// questions (interactive), or with defaults (--auto); --dump prints the current configuration
// as a preseed.
#pragma once

#include <string>
#include <vector>

namespace lxdp::daemon {

int runInit(const std::vector<std::string>& args, const std::string& socketPath);

}  // namespace lxdp::daemon
