// The bridge's tunnels (tunnel.NAME.*): one vxlan or gretap interface per NAME, <network>-<NAME>
// as upstream names it, made a port of the bridge. Like the bridge they are driven through `ip`.
// Every start and update makes them anew from the config, as upstream does: most of a vxlan's
// settings (id, port, endpoints) cannot be changed on a live interface.
#include "bridge_driver.h"

namespace lxdp_bridge {

namespace {

bool is_v6(const std::string &address) { return address.find(':') != std::string::npos; }

// The interface of the IPv4 default route: where a multicast vxlan without tunnel.NAME.interface
// goes, as upstream picks it.
std::string default_route_interface() {
    for (const auto &r : host_ipv4_routes())
        if (r.dst == 0 && r.mask == 0)
            return r.iface;
    return "";
}

// Upstream skips a tunnel whose keys are not all set yet (lxc network set takes one key at a
// time): no protocol, or a gre tunnel without both endpoints.
bool complete(const Tunnel &t) {
    return t.protocol == "vxlan" || (t.protocol == "gre" && !t.local.empty() && !t.remote.empty());
}

std::vector<std::string> add_command(const Tunnel &t, const std::string &link) {
    std::vector<std::string> argv = {"ip", "link", "add", "dev", link, "type"};
    if (t.protocol == "gre") {
        argv.insert(argv.end(), {is_v6(t.local) ? "ip6gretap" : "gretap", "local", t.local, "remote", t.remote});
        return argv;
    }
    argv.insert(argv.end(), {"vxlan", "id", t.id, "dstport", t.port, "ttl", t.ttl});
    std::string dev = t.interface;
    if (!t.local.empty() && !t.remote.empty()) {
        argv.insert(argv.end(), {"local", t.local, "remote", t.remote});
    } else {
        // Without both endpoints the tunnel floods through a multicast group on one interface.
        argv.insert(argv.end(), {"group", t.group.empty() ? "239.0.0.1" : t.group});
        if (dev.empty())
            dev = default_route_interface();
        if (dev.empty())
            fail(LXDP_E_INVAL, "tunnel." + t.name +
                                      ": a multicast vxlan needs tunnel." + t.name +
                                      ".interface, or an IPv4 default route to choose it");
    }
    if (!dev.empty()) {
        if (!exists("/sys/class/net/" + dev))
            fail(LXDP_E_INVAL, "tunnel." + t.name + ".interface: no host interface " + dev);
        argv.insert(argv.end(), {"dev", dev});
    }
    return argv;
}

// Makes the tunnel's interface. A kernel without GRE (no ip_gre or ip6_gre, built in or loaded
// by the add itself) makes ip say only "Unknown device type", naming neither the tunnel nor why:
// the failure says both.
void make_link(const Net &net, const Tunnel &t, const std::string &link) {
    try {
        run(net.host, add_command(t, link));
    } catch (const Failure &e) {
        const bool v6 = is_v6(t.local);
        const std::string module = v6 ? "ip6_gre" : "ip_gre";
        if (t.protocol != "gre" || exists("/sys/module/" + module))
            throw;
        fail(LXDP_E_NOTSUP, "tunnel." + t.name + ": this kernel has no GRE support (no " + module + " module, " +
                                (v6 ? "CONFIG_IPV6_GRE" : "CONFIG_NET_IPGRE") + "), so it cannot make the " +
                                (v6 ? "ip6gretap" : "gretap") + " interface " + link + " (" + e.what() + ")");
    }
}

} // namespace

void tunnels_down(const Net &net, const Settings &s) {
    for (const auto &t : s.tunnels)
        if (exists("/sys/class/net/" + tunnel_link(net, t)))
            run(net.host, {"ip", "link", "del", "dev", tunnel_link(net, t)});
}

void tunnels_up(const Net &net, const Settings &s, const Settings *previous) {
    if (previous != nullptr)
        tunnels_down(net, *previous);
    // Those of this very config too: a restarted daemon starts its networks again.
    tunnels_down(net, s);
    try {
        for (const auto &t : s.tunnels) {
            const std::string link = tunnel_link(net, t);
            if (!complete(t)) {
                log(net.host, LXDP_LOG_INFO, "network " + net.name + ": tunnel " + t.name + " is not complete, not made");
                continue;
            }
            make_link(net, t, link);
            run(net.host, {"ip", "link", "set", "dev", link, "mtu", std::to_string(s.mtu)});
            attach_port(net, s, link);
        }
    } catch (...) {
        // The first failure is the one to report; removing what this call made is best effort.
        try {
            tunnels_down(net, s);
        } catch (const Failure &) {
        }
        throw;
    }
}

} // namespace lxdp_bridge
