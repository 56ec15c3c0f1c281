// Commands a plugin runs through the host's run_command (plugins never fork on their own), with
// stdout and stderr collected.
#pragma once

#include <lxdp/abi.h>

#include <string>
#include <vector>

namespace lxdp_cmd {

struct Result {
    lxdp_status rc = LXDP_OK; // LXDP_OK when the command ran, whatever its exit code
    int32_t exit_status = -1;
    std::string out;
    std::string err;     // stderr, trailing blanks removed
    std::string shown;   // the command line, for messages
    std::string message; // why it could not run (rc != LXDP_OK)
};

Result run(const lxdp_host_api *host, const std::vector<std::string> &argv, uint32_t timeout_ms = 60000);
// The same, the command reading input as its stdin (through a memfd: run_command takes an fd).
Result run_with_input(const lxdp_host_api *host, const std::vector<std::string> &argv, const std::string &input,
                      uint32_t timeout_ms = 60000);

// The daemon's PATH, or /usr/sbin:/usr/bin:/sbin:/bin when it has none: where the host's
// run_command looks commands up, and the PATH they get.
const char *search_path();
// Where run() would find the tool: the first executable of that name in the absolute directories
// of the daemon's PATH, as the host's run_command searches; "" when there is none. A probe that
// only needs the tool to exist asks this rather than running it.
std::string find_tool(const std::string &name);
bool have_tool(const std::string &name);

} // namespace lxdp_cmd
