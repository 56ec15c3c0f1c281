// nictype=ipvlan: an ipvlan of the parent in l3s mode (as upstream), sharing the parent's MAC,
// with the static addresses of ipv4.address/ipv6.address and a device route as default gateway.
#include "lxc_nic.h"

namespace lxdp_lxc {

namespace {

void check(const Nic &nic) {
    refuse_keys(nic, {"vlan"});
    require_parent(nic, false);
}

void lxc_keys(const Nic &nic, NetKeys &keys) {
    keys.emplace_back("type", "ipvlan");
    keys.emplace_back("link", nic.get("parent"));
    keys.emplace_back("ipvlan.mode", "l3s");
    keys.emplace_back("ipvlan.isolation", "bridge");
    const auto v4 = split_list(nic.get("ipv4.address"));
    const auto v6 = split_list(nic.get("ipv6.address"));
    for (const auto &a : v4)
        keys.emplace_back("ipv4.address", a + "/32");
    for (const auto &a : v6)
        keys.emplace_back("ipv6.address", a + "/128");
    if (!v4.empty() && nic.get("ipv4.gateway") != "none")
        keys.emplace_back("ipv4.gateway", "dev");
    if (!v6.empty() && nic.get("ipv6.gateway") != "none")
        keys.emplace_back("ipv6.gateway", "dev");
}

} // namespace

const NicType kNicIpvlan = {"ipvlan", false, false, check, lxc_keys, nullptr};

} // namespace lxdp_lxc
