// Where an instance's log files are on the host: the instance driver keeps liblxc's lxc.log and
// console.log (lxc.console.logfile) in the daemon's log dir, one folder per instance.
#pragma once

#include <string>

namespace lxdp::services {

// logsDir/<name> in the default project, logsDir/<project>_<name> in others (the driver's
// container name).
std::string instanceLogDir(const std::string& logsDir, const std::string& project, const std::string& name);

// Empties the console log of an instance, as DELETE /1.0/instances/<n>/console does; only a
// regular file is touched (never what a link there points to). Missing is already empty.
void clearConsoleLog(const std::string& path);

}  // namespace lxdp::services
