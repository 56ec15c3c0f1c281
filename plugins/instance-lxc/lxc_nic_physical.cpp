// nictype=physical: the host's parent interface moves into the container; liblxc moves it back
// (under its own name) when the container stops.
#include "lxc_nic.h"

namespace lxdp_lxc {

namespace {

void check(const Nic &nic) {
    refuse_keys(nic, {"vlan"});
    require_parent(nic, false);
}

void lxc_keys(const Nic &nic, NetKeys &keys) {
    keys.emplace_back("type", "phys");
    keys.emplace_back("link", nic.get("parent"));
}

} // namespace

// The interface keeps its own MAC (liblxc would not give a changed one back at the stop).
const NicType kNicPhysical = {"physical", false, false, check, lxc_keys, nullptr};

} // namespace lxdp_lxc
