#include "lxc_features.h"

#include <lxc/lxccontainer.h>

namespace lxdp_lxc {

namespace {

// Upstream's list (lxd/daemon.go, 5.0.2): the extensions whose absence changes what LXD does, so
// the ones a user comparing hosts looks for in lxc info.
const char *const kCheckedExtensions[] = {
    "mount_injection_file", "seccomp_notify", "network_ipvlan", "network_l2proxy",
    "network_gateway_device_route", "network_phys_macvlan_mtu", "network_veth_router", "cgroup2",
    "pidfd", "seccomp_allow_deny_syntax", "devpts_fd", "seccomp_proxy_send_notify_fd",
    "idmapped_mounts_v2", "core_scheduling",
};

} // namespace

void report_features(const lxdp_kv_sink &out) {
    for (const char *name : kCheckedExtensions)
        out.set(out.ctx, name, lxc_has_api_extension(name) ? "true" : "false");
}

} // namespace lxdp_lxc
