// The rules a bridge asks for (NAT of its subnets, its DHCP/DNS/ICMP and forwarding let through)
// and the two ways of loading them, one per firewall backend (plugins/common/firewall.h):
// nftables (bridge_firewall_nft.cpp) and xtables (bridge_firewall_xtables.cpp). Each side owns
// its rule text; bridge_firewall.cpp decides what is wanted and which side loads it.
#pragma once

#include "bridge_driver.h"

#include <vector>

namespace lxdp_bridge {

struct BridgeRules {
    struct Nat {
        int family;         // 4 or 6
        std::string subnet; // the network's subnet, CIDR
        std::string to;     // ipv4/ipv6.nat.address: SNAT to it; "" masquerades
        bool after;         // nat.order=after: behind the host's other source NAT
    };
    std::vector<Nat> nat;
    // ipv4/ipv6.firewall per family: DHCP, DNS and ICMP to and from the bridge, and its
    // forwarding, accepted whatever else the host's firewall does.
    bool filter4 = false, filter6 = false;
};

class BridgeFirewall {
public:
    virtual ~BridgeFirewall() = default;
    // Replaces whatever rules the network has with r (never empty: clear() is for that).
    virtual void apply(const Net &net, const BridgeRules &r) const = 0;
    virtual void clear(const Net &net) const = 0;
};

const BridgeFirewall &nft_bridge_firewall();
const BridgeFirewall &xtables_bridge_firewall();

} // namespace lxdp_bridge
