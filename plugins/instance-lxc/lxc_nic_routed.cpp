// nictype=routed: a veth pair in liblxc's router mode. The container holds ipv4.address/
// ipv6.address (/32, /128) with the host side as its gateway (ipv4.host_address, default
// 169.254.0.1, and fe80::1 as upstream); liblxc adds the host routes to those addresses through
// the host side and the proxy ARP/NDP entries for the gateways, and we give the host side the
// gateway address so the container's packets to it are answered.
#include "lxc_nic.h"

namespace lxdp_lxc {

namespace {

std::string host_v4(const Nic &nic) {
    return nic.get("ipv4.host_address").empty() ? "169.254.0.1" : nic.get("ipv4.host_address");
}
std::string host_v6(const Nic &nic) {
    return nic.get("ipv6.host_address").empty() ? "fe80::1" : nic.get("ipv6.host_address");
}

void check(const Nic &nic) {
    // The parent's proxy ARP entries and the custom routing tables would outlive the container:
    // refused until the driver has a stop hook that removes them.
    refuse_keys(nic, {"parent", "vlan", "ipv4.host_table", "ipv6.host_table"});
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

void host_setup(const Driver &drv, const Nic &nic) {
    if (!nic.get("ipv4.address").empty())
        run_host(drv, {"ip", "-4", "addr", "add", host_v4(nic) + "/32", "dev", nic.host_name});
    if (!nic.get("ipv6.address").empty() && host_v6(nic) != "fe80::1")
        run_host(drv, {"ip", "-6", "addr", "add", host_v6(nic) + "/128", "dev", nic.host_name});
}

} // namespace

const NicType kNicRouted = {"routed", true, true, check, lxc_keys, host_setup};

} // namespace lxdp_lxc
