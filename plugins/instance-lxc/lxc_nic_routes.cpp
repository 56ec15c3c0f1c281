// ipv4.routes and ipv6.routes of bridged and p2p NICs: routes on the host that send those subnets
// to the container. A p2p NIC's go through its host-side veth and vanish with it. A bridged NIC's
// go through the bridge, via the NIC's static address where it has one (else on-link, as LXD 4.0
// did), and outlive the container: the stop hook deletes them (nic_route_undo).
#include "lxc_nic.h"

#include <algorithm>
#include <tuple>

#include "command.h"

namespace lxdp_lxc {

namespace {

struct Route {
    const char *family; // "-4" or "-6"
    std::string subnet;
    std::string via;    // "" for on-link
};

std::vector<Route> routes_of(const Nic &nic) {
    std::vector<Route> out;
    const bool bridged = nic.type == &kNicBridged;
    for (const auto &[family, routes, address] : {std::tuple{"-4", "ipv4.routes", "ipv4.address"},
                                                  std::tuple{"-6", "ipv6.routes", "ipv6.address"}})
        for (const std::string &subnet : split_list(nic.get(routes)))
            out.push_back({family, subnet, bridged ? nic.get(address) : ""});
    return out;
}

// The interface the routes go through.
std::string route_dev(const Nic &nic) {
    if (nic.type != &kNicBridged)
        return nic.host_name;
    return !nic.get("parent").empty() ? nic.get("parent") : nic.get("network");
}

std::vector<std::string> route_argv(const char *verb, const Route &r, const std::string &dev) {
    std::vector<std::string> argv = {"ip", r.family, "route", verb, r.subnet};
    if (!r.via.empty())
        argv.insert(argv.end(), {"via", r.via});
    argv.insert(argv.end(), {"dev", dev, "proto", "static"});
    return argv;
}

} // namespace

void add_nic_routes(const Driver &drv, const Nic &nic) {
    for (const Route &r : routes_of(nic))
        run_host(drv, route_argv("replace", r, route_dev(nic)));
}

void update_nic_routes(const Driver &drv, const Nic &old, const Nic &now) {
    const std::vector<Route> kept = routes_of(now);
    for (const Route &r : routes_of(old)) {
        const bool stays = std::any_of(kept.begin(), kept.end(), [&](const Route &k) {
            return k.subnet == r.subnet && k.via == r.via && route_dev(now) == route_dev(old);
        });
        if (stays)
            continue;
        // A route gone already (its interface went down, say) is what was asked for.
        const lxdp_cmd::Result res = lxdp_cmd::run(drv.host(), route_argv("del", r, route_dev(old)));
        if (res.rc != LXDP_OK)
            fail(res.rc, "\"%s\": %s", res.shown.c_str(), res.message.c_str());
        if (res.exit_status != 0 && res.err.find("No such process") == std::string::npos)
            fail(LXDP_E_IO, "\"%s\" failed (exit %d): %s", res.shown.c_str(), res.exit_status, res.err.c_str());
    }
    add_nic_routes(drv, now);
}

std::vector<std::vector<std::string>> nic_route_undo(const Nic &nic) {
    std::vector<std::vector<std::string>> out;
    if (nic.type == &kNicBridged)
        for (const Route &r : routes_of(nic))
            out.push_back(route_argv("del", r, route_dev(nic)));
    return out;
}

} // namespace lxdp_lxc
