// nictype=macvlan: a macvlan of the host's parent interface in bridge mode, so containers on one
// parent reach each other (the host itself only through a macvlan of its own on that parent).
#include "lxc_nic.h"

namespace lxdp_lxc {

namespace {

void check(const Nic &nic) {
    refuse_keys(nic, {"vlan"});
    require_parent(nic, false);
}

void lxc_keys(const Nic &nic, NetKeys &keys) {
    keys.emplace_back("type", "macvlan");
    keys.emplace_back("link", nic.get("parent"));
    keys.emplace_back("macvlan.mode", "bridge");
}

} // namespace

const NicType kNicMacvlan = {"macvlan", false, true, check, lxc_keys, nullptr};

} // namespace lxdp_lxc
