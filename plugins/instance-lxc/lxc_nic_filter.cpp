// security.mac_filtering, security.ipv4_filtering and security.ipv6_filtering of bridged NICs:
// rules on the NIC's host-side veth that drop what the container sends with a source MAC or IP
// that is not its own, as upstream's InstanceSetupBridgeFilter does, loaded by the side of the
// firewall backend the plugin chose (lxc_nic_filter.h).
//
// A filter is loaded before its NIC's host side joins the bridge (no unfiltered moment: before
// the start, or before a hot-plugged NIC is attached) and removed by the NIC's undo script
// (lxc_nic_stop_hook.cpp), which runs when the container stops or the NIC is removed from it. A
// running NIC's filter changes in place (update_nic_filter): the new rules replace the old ones
// in the same load, and a NIC whose new filter fails to load is cut off rather than left
// filtered less than asked (fail closed).
#include "lxc_nic_filter.h"

#include "firewall.h"

#include <cctype>

namespace lxdp_lxc {

namespace {

bool is_set(const Nic &nic, const char *key) { return !nic.get(key).empty() && parse_bool(nic.get(key)); }

// IP filtering implies MAC filtering (spec: "enables mac_filtering").
bool is_filtered(const Nic &nic) {
    return nic.type == &kNicBridged &&
           (is_set(nic, "security.mac_filtering") || nic_filters_ip(nic, 4) || nic_filters_ip(nic, 6));
}

const NicFilterFirewall *chosen() {
    switch (lxdp_fw::backend()) {
    case lxdp_fw::Backend::nftables: return &nft_nic_filter();
    case lxdp_fw::Backend::xtables: return &xtables_nic_filter();
    default: return nullptr;
    }
}

// A NIC whose new filter did not load must not forward under the old filter or none (fail
// closed, as Incus since incus#4008): its host side goes down, and nothing crosses until a change
// of its filter succeeds, it is added again or the container restarts. Throws why, saying so.
[[noreturn]] void cut_off(const Driver &drv, const Nic &nic, const Error &why) {
    try {
        run_host(drv, {"ip", "link", "set", "dev", nic.host_name, "down"});
    } catch (const Error &e) {
        fail(why.code(), "Device %s: its filter could not be applied (%s), nor could the NIC be cut off: %s",
             nic.device.c_str(), why.what(), e.what());
    }
    fail(why.code(), "Device %s: its filter could not be applied, so the NIC passes no traffic until it is: %s",
         nic.device.c_str(), why.what());
}

} // namespace

bool nic_filters_ip(const Nic &nic, int family) {
    return is_set(nic, family == 4 ? "security.ipv4_filtering" : "security.ipv6_filtering");
}

std::vector<NicFilterCheck> nic_filter_policy(const Nic &nic) {
    using C = NicFilterCheck;
    std::vector<NicFilterCheck> checks = {{C::source_mac, {nic.hwaddr}}, {C::arp_mac, {nic.hwaddr}},
                                          {C::advert_mac, {nic.hwaddr}}};
    if (nic_filters_ip(nic, 4)) {
        // Without an address of its own the container may send no IPv4 at all (spec).
        if (const std::string v4 = nic.get("ipv4.address"); v4.empty())
            checks.insert(checks.end(), {{C::no_arp, {}}, {C::no_ipv4, {}}});
        else // DHCP discovery comes from 0.0.0.0 before the lease.
            checks.insert(checks.end(), {{C::arp_ip, {v4}}, {C::accept_dhcp_discovery, {}}, {C::ipv4_source, {v4}}});
    }
    if (nic_filters_ip(nic, 6)) {
        checks.push_back({C::no_router_advert, {}});
        // Link-local and the unspecified address carry neighbour discovery and DHCPv6; without an
        // address of its own the container may send no IPv6 at all (spec).
        if (const std::string v6 = nic.get("ipv6.address"); v6.empty())
            checks.push_back({C::no_ipv6, {}});
        else
            checks.push_back({C::ipv6_source, {"::", "fe80::/10", v6}});
    }
    // Anything but ARP, IPv4 and IPv6 (QinQ frames, say) could carry what the rules above miss.
    if (nic_filters_ip(nic, 4) || nic_filters_ip(nic, 6))
        checks.push_back({C::known_ethertype, {}});
    return checks;
}

std::string mac_hex(const std::string &mac) {
    std::string hex;
    for (char c : mac)
        if (c != ':')
            hex += char(std::tolower(static_cast<unsigned char>(c)));
    return hex;
}

std::vector<std::vector<std::string>> nic_filter_undo(const Nic &nic) {
    const NicFilterFirewall *fw = chosen();
    if (!is_filtered(nic) || fw == nullptr)
        return {};
    return fw->undo(nic);
}

void setup_nic_filters(const Driver &drv, const InstanceView &inst, const std::vector<Nic> &nics) {
    std::vector<const Nic *> filtered;
    for (const Nic &nic : nics)
        if (is_filtered(nic))
            filtered.push_back(&nic);
    if (filtered.empty())
        return;
    const NicFilterFirewall *fw = chosen();
    if (fw == nullptr)
        fail(LXDP_E_NOTSUP, "%s", lxdp_fw::missing("security.*_filtering of NICs").c_str());
    fw->load(drv, inst, filtered);
}

void update_nic_filter(const Driver &drv, const InstanceView &inst, const Nic &old, const Nic &now) {
    try {
        if (is_filtered(now))
            setup_nic_filters(drv, inst, {now}); // one load replaces the old rules: no gap
        else
            for (const auto &argv : nic_filter_undo(old))
                run_host(drv, argv);
    } catch (const Error &e) {
        // Dropping the filter failed: the old one still holds, the NIC is as it was.
        if (!is_filtered(now))
            throw;
        cut_off(drv, now, e);
    }
    // Up again, should an earlier change that failed have cut it off.
    run_host(drv, {"ip", "link", "set", "dev", now.host_name, "up"});
}

} // namespace lxdp_lxc
