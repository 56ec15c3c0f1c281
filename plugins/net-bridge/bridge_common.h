// Shared plumbing of the bridge driver: failures, the view of one network for one call, commands
// run through the host, and the driver's files under $LXD_DIR/networks/<name>/.
#pragma once

#include <lxdp/network.h>

#include "command.h"

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace lxdp_bridge {

// A failure with the status to report; the trampolines turn it into the lxdp_error.
class Failure : public std::runtime_error {
public:
    Failure(lxdp_status code, const std::string &message) : std::runtime_error(message), code(code) {}
    lxdp_status code;
};

[[noreturn]] void fail(lxdp_status code, const std::string &message);

using Config = std::map<std::string, std::string>;

// One network for the duration of one call.
struct Net {
    const lxdp_host_api *host;
    std::string name;
    Config config;
    std::string dir; // $LXD_DIR/networks/<name>

    std::string get(const std::string &key, const std::string &fallback = "") const;
};

Net net_view(const lxdp_host_api *host, const lxdp_network *net);

void log(const lxdp_host_api *host, uint32_t level, const std::string &msg);

// Runs argv through the host and returns its stdout. A non-zero exit is a Failure carrying the
// command's stderr, unless exit_status is given (it then receives the code).
std::string run(const lxdp_host_api *host, const std::vector<std::string> &argv, int *exit_status = nullptr);

using lxdp_cmd::have_tool;

// An IPv4 route of the host, from /proc/net/route; addresses in host order.
struct HostRoute {
    std::string iface;
    uint32_t dst = 0, mask = 0;
};
std::vector<HostRoute> host_ipv4_routes();

bool exists(const std::string &path);
std::string read_file(const std::string &path); // "" when missing
// Writes through a temporary file and a rename, so readers (dnsmasq) never see half a file.
void write_file(const std::string &path, const std::string &content, unsigned mode = 0644);
void make_dir(const std::string &path, unsigned mode);
// $LXD_DIR/networks/<name>, and its parent when this is the first network.
void make_network_dir(const Net &net);
void remove_tree(const std::string &path);

} // namespace lxdp_bridge
