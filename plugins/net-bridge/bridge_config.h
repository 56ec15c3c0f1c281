// The bridge driver's config keys (the spec's "network: bridge" table): validation, the settings
// they mean, and the values "auto" stands for.
#pragma once

#include "bridge_common.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lxdp_bridge {

struct Cidr {
    std::string address; // the bridge's own address: "198.18.0.1", "fd42::1"
    unsigned prefix = 0;
    bool v6 = false;
    std::string text() const { return address + "/" + std::to_string(prefix); }
    std::string subnet() const; // the network address with the prefix: "198.18.0.0/24"
};

// One tunnel.NAME.* group: the interface <network>-<NAME>, a port of the bridge.
struct Tunnel {
    std::string name;
    std::string protocol; // "vxlan" or "gre"; "" while the keys are still being set
    std::string local, remote, group, interface;
    std::string id = "1", port = "0", ttl = "1"; // upstream's vxlan defaults (port 0: the kernel's)
};

struct Settings {
    std::optional<Cidr> ipv4; // none when "none" or unset
    std::optional<Cidr> ipv6;
    bool ipv4_nat = false, ipv6_nat = false;
    bool ipv4_nat_after = false, ipv6_nat_after = false;
    std::string ipv4_nat_address, ipv6_nat_address;
    bool ipv4_dhcp = true, ipv6_dhcp = true, ipv6_dhcp_stateful = false;
    bool ipv4_firewall = true, ipv6_firewall = true;
    bool ipv4_routing = true, ipv6_routing = true;
    std::string ipv4_gateway;                                    // DHCP option 3, "" for ours
    std::vector<std::pair<std::string, std::string>> ipv4_ranges; // first, last
    std::vector<std::pair<std::string, std::string>> ipv6_ranges;
    std::string ipv4_expiry = "1h", ipv6_expiry = "1h";
    std::vector<std::string> ipv4_routes, ipv6_routes;
    std::vector<std::string> external_interfaces;
    bool openvswitch = false; // bridge.driver=openvswitch
    std::vector<Tunnel> tunnels;
    uint32_t mtu = 1500;
    std::string hwaddr;
    std::string domain = "lxd";
    std::string dns_mode = "managed";
    std::string raw_dnsmasq;
};

// Checks every key of net.config but user.*: an unknown key, a bad value or an unsupported mode
// is a Failure (LXDP_E_INVAL, or LXDP_E_NOTSUP for a valid setting this driver cannot run). The
// network's name counts too: tunnel interfaces are named after it.
void validate_config(const Net &net);

// The settings of a validated config.
Settings settings_of(const Config &config);

// The keys create() stores: "auto" addresses made real, and the upstream defaults of a new
// bridge (NAT on for the families it has).
Config complete_config(const lxdp_host_api *host, const Config &config);

// ip's name of an interface, from the network name (a bridge is named as its network).
inline const std::string &bridge_name(const Net &net) { return net.name; }
// A tunnel's interface, named as upstream names it.
inline std::string tunnel_link(const Net &net, const Tunnel &t) { return net.name + "-" + t.name; }

} // namespace lxdp_bridge
