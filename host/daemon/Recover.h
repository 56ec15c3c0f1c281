// `lxd recover`: upstream's interactive disaster recovery. It lists the pools of the database,
// asks for unknown pools to scan as well (name, driver, source, more config), asks the daemon
// to scan them all (/internal/recover/validate), shows the unknown instances and volumes found
// and what they miss, and on confirmation has the daemon rebuild their records
// (/internal/recover/import). Answers may be piped, one per line.
#pragma once

#include <string>
#include <vector>

namespace lxdp::daemon {

int runRecover(const std::vector<std::string>& args, const std::string& socketPath);

}  // namespace lxdp::daemon
