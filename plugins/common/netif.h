// Network interfaces as the calling thread's network namespace shows them, and their report
// through an lxdp_net_interface_sink. Used by the bridge driver for its bridge and by the lxc
// driver, from a thread inside the container's namespace, for the container's interfaces.
#pragma once

#include <lxdp/network.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lxdp_netif {

struct Address {
    std::string family;  // "inet", "inet6"
    std::string address;
    std::string netmask;  // prefix length
    std::string scope;    // "global", "link", "local"
};

struct Interface {
    std::string name;
    std::string hwaddr;
    std::string host_name;
    std::string state;  // "up", "down"
    std::string type;   // "broadcast", "loopback", "point-to-point"
    uint32_t mtu = 0;
    uint64_t bytes_received = 0;
    uint64_t bytes_sent = 0;
    uint64_t packets_received = 0;
    uint64_t packets_sent = 0;
    std::vector<Address> addresses;
};

// The interfaces of the calling thread's network namespace (only the one named `only` when not
// empty), in the kernel's order. Returns false with errno set when they cannot be listed.
bool read_interfaces(const std::string &only, std::vector<Interface> &out);

// Calls out->add once per interface.
void report_interfaces(const std::vector<Interface> &ifaces, const lxdp_net_interface_sink *out);

} // namespace lxdp_netif
