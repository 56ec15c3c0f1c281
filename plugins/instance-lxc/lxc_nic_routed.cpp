// nictype=routed: a veth pair in liblxc's router mode. The container holds ipv4.address/
// ipv6.address (/32, /128) with the host side as its gateway (ipv4.host_address, default
// 169.254.0.1, and fe80::1 as upstream); liblxc adds the host routes to those addresses through
// the host side and the proxy ARP/NDP entries for the gateways, and we give the host side the
// gateway address so the container's packets to it are answered. With parent, the parent answers
// ARP/NDP for the container's addresses (proxy entries, removed by the stop hook), so that the
// container joins the parent's network at layer 2; ipv4.host_table/ipv6.host_table add the
// routes to those addresses to that routing table too (they go with the host-side veth).
#include "lxc_nic.h"

#include <tuple>

namespace lxdp_lxc {

namespace {

std::string host_v4(const Nic &nic) {
    return nic.get("ipv4.host_address").empty() ? "169.254.0.1" : nic.get("ipv4.host_address");
}
std::string host_v6(const Nic &nic) {
    return nic.get("ipv6.host_address").empty() ? "fe80::1" : nic.get("ipv6.host_address");
}

void check(const Nic &nic) {
    refuse_keys(nic, {"vlan"});
    if (!nic.get("parent").empty())
        require_parent(nic, false);
    if (nic.get("ipv4.address").empty() && nic.get("ipv6.address").empty())
        fail(LXDP_E_INVAL, "Device %s: a routed NIC needs ipv4.address or ipv6.address", nic.device.c_str());
}

void lxc_keys(const Nic &nic, NetKeys &keys) {
    keys.emplace_back("type", "veth");
    keys.emplace_back("veth.mode", "router");
    keys.emplace_back("veth.pair", nic.host_name);
    const auto v4 = split_list(nic.get("ipv4.address"));
    const auto v6 = split_list(nic.get("ipv6.address"));
    for (const auto &a : v4)
        keys.emplace_back("ipv4.address", a + "/32");
    for (const auto &a : v6)
        keys.emplace_back("ipv6.address", a + "/128");
    if (!v4.empty() && nic.get("ipv4.gateway") != "none")
        keys.emplace_back("ipv4.gateway", host_v4(nic));
    if (!v6.empty() && nic.get("ipv6.gateway") != "none")
        keys.emplace_back("ipv6.gateway", host_v6(nic));
}

// The proxy ARP/NDP entries on the parent for the container's addresses ("add" or "del").
std::vector<std::vector<std::string>> parent_proxies(const Nic &nic, const char *verb) {
    std::vector<std::vector<std::string>> out;
    if (nic.get("parent").empty())
        return out;
    for (const auto &[family, key] : {std::pair{"-4", "ipv4.address"}, std::pair{"-6", "ipv6.address"}})
        for (const auto &a : split_list(nic.get(key)))
            out.push_back({"ip", family, "neigh", verb, "proxy", a, "dev", nic.get("parent")});
    return out;
}

void host_setup(const Driver &drv, const Nic &nic) {
    if (!nic.get("ipv4.address").empty())
        run_host(drv, {"ip", "-4", "addr", "add", host_v4(nic) + "/32", "dev", nic.host_name});
    if (!nic.get("ipv6.address").empty() && host_v6(nic) != "fe80::1")
        run_host(drv, {"ip", "-6", "addr", "add", host_v6(nic) + "/128", "dev", nic.host_name});
    for (const auto &[family, key, table] : {std::tuple{"-4", "ipv4.address", "ipv4.host_table"},
                                             std::tuple{"-6", "ipv6.address", "ipv6.host_table"}})
        if (!nic.get(table).empty())
            for (const auto &a : split_list(nic.get(key)))
                run_host(drv, {"ip", family, "route", "replace", a, "dev", nic.host_name, "table", nic.get(table)});
    for (const auto &argv : parent_proxies(nic, "replace"))
        run_host(drv, argv);
}

} // namespace

const NicType kNicRouted = {"routed", true, true, check, lxc_keys, host_setup};

std::vector<std::vector<std::string>> nic_routed_undo(const Nic &nic) {
    return nic.type == &kNicRouted ? parent_proxies(nic, "del") : std::vector<std::vector<std::string>>{};
}

} // namespace lxdp_lxc
