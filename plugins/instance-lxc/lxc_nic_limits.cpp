// limits.ingress, limits.egress and limits.max of NICs with a host-side veth, as upstream does
// it: what the container receives leaves the host side, shaped by an htb class there; what it
// sends enters the host side, policed by an ingress filter. The qdiscs go with the veth.
#include "lxc_nic.h"

#include <cctype>

#include "command.h"

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

// What the container may receive (shaped on the host side's egress) and send (policed on its
// ingress), "" when unlimited.
std::string ingress_rate(const Nic &nic) {
    return !nic.get("limits.ingress").empty() ? nic.get("limits.ingress") : nic.get("limits.max");
}
std::string egress_rate(const Nic &nic) {
    return !nic.get("limits.egress").empty() ? nic.get("limits.egress") : nic.get("limits.max");
}

// Deletes one of dev's qdiscs ("root" or "ingress"); one that is not there is no error (a change
// undone halfway may not have made it).
void delete_qdisc(const Driver &drv, const std::string &dev, const char *which) {
    const lxdp_cmd::Result r = lxdp_cmd::run(drv.host(), {"tc", "qdisc", "del", "dev", dev, which});
    if (r.rc != LXDP_OK)
        fail(r.rc, "\"%s\": %s", r.shown.c_str(), r.message.c_str());
    if (r.exit_status != 0 && r.err.find("handle of zero") == std::string::npos &&
        r.err.find("Cannot find specified qdisc") == std::string::npos)
        fail(LXDP_E_IO, "\"%s\" failed (exit %d): %s", r.shown.c_str(), r.exit_status, r.err.c_str());
}

} // namespace

void apply_nic_limits(const Driver &drv, const Nic &nic) { update_nic_limits(drv, Nic{}, nic); }

void update_nic_limits(const Driver &drv, const Nic &old, const Nic &now) {
    // A qdisc old's limits made stays, with its class or filter replaced: htb and ingress qdiscs
    // cannot be changed in place, and keeping them leaves no moment without a limit.
    const std::string &dev = now.host_name;
    const std::string ingress = ingress_rate(now), egress = egress_rate(now);
    if (ingress.empty() && !ingress_rate(old).empty())
        delete_qdisc(drv, dev, "root");
    if (egress.empty() && !egress_rate(old).empty())
        delete_qdisc(drv, dev, "ingress");
    if (!ingress.empty()) {
        if (ingress_rate(old).empty())
            run_host(drv, {"tc", "qdisc", "replace", "dev", dev, "root", "handle", "1:0", "htb", "default", "10"});
        run_host(drv, {"tc", "class", "replace", "dev", dev, "parent", "1:0", "classid", "1:10", "htb", "rate",
                       tc_rate(ingress)});
    }
    if (!egress.empty()) {
        if (egress_rate(old).empty())
            run_host(drv, {"tc", "qdisc", "replace", "dev", dev, "handle", "ffff:0", "ingress"});
        run_host(drv, {"tc", "filter", "replace", "dev", dev, "parent", "ffff:0", "protocol", "all", "u32", "match",
                       "u32", "0", "0", "police", "rate", tc_rate(egress), "burst", "1024k", "mtu", "64kb", "drop"});
    }
}

} // namespace lxdp_lxc
