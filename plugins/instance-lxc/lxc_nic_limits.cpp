// limits.ingress, limits.egress and limits.max of NICs with a host-side veth, as upstream does
// it: what the container receives leaves the host side, shaped by an htb class there; what it
// sends enters the host side, policed by an ingress filter. The qdiscs go with the veth.
#include "lxc_nic.h"

#include <cctype>

namespace lxdp_lxc {

namespace {

// The host validated the value against its bit-rate units; tc reads them case-insensitively
// and a bare number as bits per second.
std::string tc_rate(std::string v) {
    for (char &c : v)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    if (v.empty() || std::isdigit(static_cast<unsigned char>(v.back())))
        v += "bit";
    return v;
}

} // namespace

void apply_nic_limits(const Driver &drv, const Nic &nic) {
    const std::string ingress = !nic.get("limits.ingress").empty() ? nic.get("limits.ingress") : nic.get("limits.max");
    const std::string egress = !nic.get("limits.egress").empty() ? nic.get("limits.egress") : nic.get("limits.max");
    const std::string &dev = nic.host_name;
    if (!ingress.empty()) {
        run_host(drv, {"tc", "qdisc", "replace", "dev", dev, "root", "handle", "1:0", "htb", "default", "10"});
        run_host(drv, {"tc", "class", "replace", "dev", dev, "parent", "1:0", "classid", "1:10", "htb", "rate",
                       tc_rate(ingress)});
    }
    if (!egress.empty()) {
        run_host(drv, {"tc", "qdisc", "replace", "dev", dev, "handle", "ffff:0", "ingress"});
        run_host(drv, {"tc", "filter", "replace", "dev", dev, "parent", "ffff:0", "protocol", "all", "u32", "match",
                       "u32", "0", "0", "police", "rate", tc_rate(egress), "burst", "1024k", "mtu", "64kb", "drop"});
    }
}

} // namespace lxdp_lxc
