// The two sides of a bridged NIC's security.*_filtering, one per firewall backend
// (plugins/common/firewall.h): nftables bridge-family tables (lxc_nic_filter_nft.cpp) and
// ebtables chains (lxc_nic_filter_xtables.cpp). lxc_nic_filter.cpp says which NICs are filtered,
// what their filters check (nic_filter_policy) and which side loads them; each side renders the
// checks as its rule text.
#pragma once

#include "lxc_nic.h"

namespace lxdp_lxc {

// Whether the NIC filters its IPv4 (family 4) or IPv6 source addresses; MAC filtering is implied.
bool nic_filters_ip(const Nic &nic, int family);

// One check of what a filtered NIC sends: the policy both sides render. Each check drops what
// does not pass it, in the order of the list; accept_dhcp_discovery passes what it matches.
struct NicFilterCheck {
    enum Kind {
        source_mac,            // the frame's source MAC is allowed[0]
        arp_mac,               // an ARP's sender MAC is allowed[0]
        advert_mac,            // a neighbour advertisement's target link-layer option is allowed[0]
        no_arp,                // no ARP at all
        no_ipv4,               // no IPv4 at all
        arp_ip,                // an ARP's sender IP is allowed[0]
        accept_dhcp_discovery, // IPv4 from 0.0.0.0 to 255.255.255.255, UDP port 67: passes
        ipv4_source,           // an IPv4 source is allowed[0]
        no_router_advert,      // no IPv6 router advertisement
        no_ipv6,               // no IPv6 at all
        ipv6_source,           // an IPv6 source is one of allowed
        known_ethertype,       // the frame is ARP, IPv4 or IPv6
    } kind;
    std::vector<std::string> allowed;
};

// The checks of a filtered NIC, in order: the MAC first, so that no accept further down lets a
// spoofed MAC through (Incus CVE-2025-52889), then each filtered family, then the ethertype.
std::vector<NicFilterCheck> nic_filter_policy(const Nic &nic);

// "00:16:3E:..." as the hex digits of its bytes, "00163e...".
std::string mac_hex(const std::string &mac);

class NicFilterFirewall {
public:
    virtual ~NicFilterFirewall() = default;
    // Loads the filters of nics (every one filtered), each replacing what its NIC had, at once.
    virtual void load(const Driver &drv, const InstanceView &inst, const std::vector<const Nic *> &nics) const = 0;
    // The commands that remove a NIC's filter: its undo script runs them (from a hook whose PATH
    // is fixed, so with the tool's path), each of which may fail once the filter is gone.
    virtual std::vector<std::vector<std::string>> undo(const Nic &nic) const = 0;
};

const NicFilterFirewall &nft_nic_filter();
const NicFilterFirewall &xtables_nic_filter();

} // namespace lxdp_lxc
