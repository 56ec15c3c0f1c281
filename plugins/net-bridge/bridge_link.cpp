// The bridge itself. It is driven through `ip`, run by the host: no netlink library is among the
// project's dependencies, and plugins never fork on their own. With bridge.driver=openvswitch
// it is an Open vSwitch bridge, made and given ports through ovs-vsctl as upstream does; `ip`
// sets its addresses, MTU and MAC as a Linux bridge's.
#include "bridge_driver.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace lxdp_bridge {

namespace {

// Writes a sysctl under /proc/sys; a missing knob (no IPv6 in this kernel) is not an error.
void sysctl_set(const std::string &path, const std::string &value) {
    int fd = open(("/proc/sys/" + path).c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = write(fd, value.data(), value.size());
    close(fd);
    if (n != ssize_t(value.size()))
        fail(LXDP_E_IO, "Failed to set /proc/sys/" + path + " to " + value);
}

std::string sysctl_get(const std::string &path) {
    std::string v = read_file("/proc/sys/" + path);
    while (!v.empty() && (v.back() == '\n' || v.back() == ' '))
        v.pop_back();
    return v;
}

// A stable MAC for a bridge without bridge.hwaddr, in the 00:16:3e range upstream uses, so that
// the bridge keeps its address across restarts (FNV-1a of the name).
std::string stable_mac(const std::string &name) {
    uint32_t h = 2166136261u;
    for (unsigned char c : name)
        h = (h ^ c) * 16777619u;
    char buf[18];
    std::snprintf(buf, sizeof buf, "00:16:3e:%02x:%02x:%02x", (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
    return buf;
}

// IPv6 forwarding makes the kernel ignore router adverts where accept_ra is 1; as upstream does,
// raise those to 2 first so the host keeps its own IPv6 routes.
void enable_ipv6_forwarding() {
    for (const auto &iface : {std::string("all"), std::string("default")})
        if (sysctl_get("net/ipv6/conf/" + iface + "/accept_ra") == "1")
            sysctl_set("net/ipv6/conf/" + iface + "/accept_ra", "2");
    sysctl_set("net/ipv6/conf/all/forwarding", "1");
}

// An ovs-vsctl command. Its timeout keeps an unresponsive ovs-vswitchd from holding the daemon:
// without one ovs-vsctl waits for the switch to apply each change.
std::vector<std::string> ovs_vsctl(std::initializer_list<std::string> args) {
    std::vector<std::string> argv = {"ovs-vsctl", "--timeout=30"};
    argv.insert(argv.end(), args);
    return argv;
}

bool is_linux_bridge(const std::string &name) { return exists("/sys/class/net/" + name + "/bridge"); }

bool is_ovs_bridge(const Net &net) {
    int status = 0;
    run(net.host, ovs_vsctl({"br-exists", bridge_name(net)}), &status);
    return status == 0;
}

} // namespace

bool link_exists(const Net &net) { return exists("/sys/class/net/" + bridge_name(net)); }

void attach_port(const Net &net, const Settings &s, const std::string &port) {
    if (s.openvswitch)
        run(net.host, ovs_vsctl({"--may-exist", "add-port", bridge_name(net), port}));
    else
        run(net.host, {"ip", "link", "set", "dev", port, "master", bridge_name(net)});
    run(net.host, {"ip", "link", "set", "dev", port, "up"});
}

bool link_up(const Net &net, const Settings &s, const Settings *previous) {
    const std::string &br = bridge_name(net);
    const bool created = !link_exists(net);
    if (created && s.openvswitch)
        run(net.host, ovs_vsctl({"add-br", br}));
    else if (created)
        run(net.host, {"ip", "link", "add", "dev", br, "type", "bridge"});
    else if (s.openvswitch ? !is_ovs_bridge(net) : !is_linux_bridge(br))
        fail(LXDP_E_EXISTS, "The host interface " + br + " exists and is not " +
                                (s.openvswitch ? "an Open vSwitch bridge" : "a bridge"));
    try {
        run(net.host, {"ip", "link", "set", "dev", br, "address", s.hwaddr.empty() ? stable_mac(br) : s.hwaddr, "mtu",
                       std::to_string(s.mtu)});
        // Without IPv6 the bridge should not even get a link-local address.
        sysctl_set("net/ipv6/conf/" + br + "/disable_ipv6", s.ipv6 ? "0" : "1");
        run(net.host, {"ip", "link", "set", "dev", br, "up"});

        run(net.host, {"ip", "-4", "addr", "flush", "dev", br});
        run(net.host, {"ip", "route", "flush", "dev", br, "proto", "static"});
        if (s.ipv4) {
            run(net.host, {"ip", "-4", "addr", "add", s.ipv4->text(), "dev", br});
            if (s.ipv4_routing)
                sysctl_set("net/ipv4/ip_forward", "1");
            for (const auto &route : s.ipv4_routes)
                run(net.host, {"ip", "-4", "route", "add", route, "dev", br, "proto", "static"});
        }
        if (s.ipv6) {
            run(net.host, {"ip", "-6", "addr", "flush", "dev", br, "scope", "global"});
            run(net.host, {"ip", "-6", "addr", "add", s.ipv6->text(), "dev", br});
            if (s.ipv6_routing)
                enable_ipv6_forwarding();
            for (const auto &route : s.ipv6_routes)
                run(net.host, {"ip", "-6", "route", "add", route, "dev", br, "proto", "static"});
        }

        if (previous != nullptr)
            for (const auto &port : previous->external_interfaces)
                if (std::find(s.external_interfaces.begin(), s.external_interfaces.end(), port) ==
                        s.external_interfaces.end() &&
                    exists("/sys/class/net/" + port))
                    run(net.host, s.openvswitch ? ovs_vsctl({"--if-exists", "del-port", br, port})
                                                : std::vector<std::string>{"ip", "link", "set", "dev", port, "nomaster"});
        for (const auto &port : s.external_interfaces) {
            if (!exists("/sys/class/net/" + port))
                fail(LXDP_E_NOTFOUND, "bridge.external_interfaces: no host interface " + port);
            attach_port(net, s, port);
        }
    } catch (...) {
        // The first failure is the one to report; removing what this call made is best effort.
        if (created)
            try {
                link_down(net, s);
            } catch (const Failure &) {
            }
        throw;
    }
    return created;
}

void link_down(const Net &net, const Settings &s) {
    if (!link_exists(net))
        return;
    // Deleting an Open vSwitch bridge's interface would leave it in the switch's database.
    if (s.openvswitch)
        run(net.host, ovs_vsctl({"--if-exists", "del-br", bridge_name(net)}));
    else
        run(net.host, {"ip", "link", "del", "dev", bridge_name(net)});
}

} // namespace lxdp_bridge
