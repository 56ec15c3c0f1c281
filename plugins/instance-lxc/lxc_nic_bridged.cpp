// nictype=bridged: a veth pair whose host side joins a bridge, the managed network's (network=)
// or any bridge of the host (parent=).
#include "lxc_nic.h"

namespace lxdp_lxc {

namespace {

void check(const Nic &nic) {
    refuse_keys(nic, {"vlan"});
    require_parent(nic, true);
}

void lxc_keys(const Nic &nic, NetKeys &keys) {
    keys.emplace_back("type", "veth");
    keys.emplace_back("link", !nic.get("parent").empty() ? nic.get("parent") : nic.get("network"));
    keys.emplace_back("veth.pair", nic.host_name);
}

} // namespace

const NicType kNicBridged = {"bridged", true, true, check, lxc_keys, nullptr};

} // namespace lxdp_lxc
