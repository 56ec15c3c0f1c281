// nictype=p2p: a veth pair whose host side (host_name) stays on its own, for the host to route
// or configure as it likes.
#include "lxc_nic.h"

namespace lxdp_lxc {

namespace {

void check(const Nic &) {}

void lxc_keys(const Nic &nic, NetKeys &keys) {
    keys.emplace_back("type", "veth");
    keys.emplace_back("veth.pair", nic.host_name);
}

} // namespace

const NicType kNicP2p = {"p2p", true, true, check, lxc_keys, nullptr};

} // namespace lxdp_lxc
