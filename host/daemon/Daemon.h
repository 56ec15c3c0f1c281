// The serving daemon: start-up in dependency order, the signal loop, and shutdown.
#pragma once

#include <string>

namespace lxdp::daemon {

struct DaemonOptions {
    std::string group;
    std::string logfile;
    bool debug = false;
    bool verbose = false;
    std::string exePath;
};

// Serves until SIGTERM/SIGINT or `lxd shutdown`; returns the exit code. Instances keep running.
int runDaemon(const DaemonOptions& options);

}  // namespace lxdp::daemon
