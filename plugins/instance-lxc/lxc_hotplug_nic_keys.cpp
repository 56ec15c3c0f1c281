// What liblxc does at start with a NIC's address, gateway and veth router-mode keys (the lxc.net
// keys its type gives, lxc_nic_<type>.cpp), done for a NIC hot-plugged into a running container:
// the addresses and default routes inside (routed, ipvlan), and in router mode the host side's
// forwarding, the proxy entries that answer for the gateways and the routes to the container's
// addresses (all of which go with the host-side veth). Inside, the host's `ip` runs in the
// container's network namespace (nsenter), as its own binary may be missing or anything.
#include "lxc_hotplug.h"

#include <fcntl.h>
#include <sys/types.h>

#include <cerrno>
#include <cstring>
#include <tuple>

#include "command.h"

namespace lxdp_lxc {

namespace {

struct LiveKeys {
    bool router = false;
    std::vector<std::string> v4, v6; // "address/prefix"
    std::string gw4, gw6;            // an address, "dev" (a device route) or "" (none)
};

LiveKeys live_keys(const Nic &nic) {
    NetKeys keys;
    nic.type->lxc_keys(nic, keys);
    LiveKeys out;
    for (const auto &[key, value] : keys) {
        if (key == "veth.mode")
            out.router = value == "router";
        else if (key == "ipv4.address")
            out.v4.push_back(value);
        else if (key == "ipv6.address")
            out.v6.push_back(value);
        else if (key == "ipv4.gateway")
            out.gw4 = value;
        else if (key == "ipv6.gateway")
            out.gw6 = value;
    }
    return out;
}

std::string netns_of(pid_t pid) { return "--net=/proc/" + std::to_string(pid) + "/ns/net"; }

void run_inside(const Driver &drv, pid_t pid, std::vector<std::string> ip_args) {
    ip_args.insert(ip_args.begin(), {"nsenter", netns_of(pid), "--", "ip"});
    run_host(drv, ip_args);
}

std::string address_only(const std::string &cidr) { return cidr.substr(0, cidr.find('/')); }

void write_sysctl(const std::string &path, const char *value) {
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd || write(fd.get(), value, std::strlen(value)) < 0)
        fail_errno(errno, "Failed to write %s", path.c_str());
}

bool ipv6_forwarding() {
    UniqueFd fd(open("/proc/sys/net/ipv6/conf/all/forwarding", O_RDONLY | O_CLOEXEC));
    char c = '0';
    return fd && read(fd.get(), &c, 1) == 1 && c == '1';
}

} // namespace

void check_live_gateways(const Driver &drv, pid_t pid, const Nic &nic) {
    const LiveKeys keys = live_keys(nic);
    // liblxc's start refuses the same: the host would not route the container's IPv6.
    if (keys.router && !keys.gw6.empty() && !ipv6_forwarding())
        fail(LXDP_E_INVAL, "Device %s: an IPv6 routed NIC needs net.ipv6.conf.all.forwarding=1 on the host",
             nic.device.c_str());
    for (const auto &[family, gw, key] : {std::tuple{"-4", keys.gw4, "ipv4.gateway"}, std::tuple{"-6", keys.gw6, "ipv6.gateway"}}) {
        if (gw.empty())
            continue;
        const lxdp_cmd::Result r =
            lxdp_cmd::run(drv.host(), {"nsenter", netns_of(pid), "--", "ip", family, "route", "show", "default"});
        if (r.rc != LXDP_OK || r.exit_status != 0)
            fail(r.rc != LXDP_OK ? r.rc : LXDP_E_IO, "Device %s: failed to read the container's routes: %s",
                 nic.device.c_str(), r.rc != LXDP_OK ? r.message.c_str() : r.err.c_str());
        // A start would fail the same way: liblxc cannot add a second default route.
        if (r.out.find_first_not_of(" \n") != std::string::npos)
            fail(LXDP_E_INVAL, "Device %s: the container has a default route already: set %s=none to add this NIC "
                 "while it runs", nic.device.c_str(), key);
    }
}

void apply_live_keys(const Driver &drv, pid_t pid, const Nic &nic) {
    const LiveKeys keys = live_keys(nic);
    if (keys.router) {
        if (!keys.gw4.empty()) {
            write_sysctl("/proc/sys/net/ipv4/conf/" + nic.host_name + "/forwarding", "1");
            run_host(drv, {"ip", "-4", "neigh", "replace", "proxy", keys.gw4, "dev", nic.host_name});
        }
        if (!keys.gw6.empty()) {
            write_sysctl("/proc/sys/net/ipv6/conf/" + nic.host_name + "/forwarding", "1");
            write_sysctl("/proc/sys/net/ipv6/conf/" + nic.host_name + "/proxy_ndp", "1");
            run_host(drv, {"ip", "-6", "neigh", "replace", "proxy", keys.gw6, "dev", nic.host_name});
        }
        for (const auto &a : keys.v4)
            run_host(drv, {"ip", "-4", "route", "replace", a, "dev", nic.host_name});
        for (const auto &a : keys.v6)
            run_host(drv, {"ip", "-6", "route", "replace", a, "dev", nic.host_name});
    }
    for (const auto &a : keys.v4)
        run_inside(drv, pid, {"-4", "addr", "add", a, "dev", nic.name});
    // No duplicate detection: the address is the container's by the NIC's config, usable at once.
    for (const auto &a : keys.v6)
        run_inside(drv, pid, {"-6", "addr", "add", a, "dev", nic.name, "nodad"});
    for (const auto &[family, gw] : {std::pair{"-4", keys.gw4}, std::pair{"-6", keys.gw6}}) {
        if (gw == "dev")
            run_inside(drv, pid, {family, "route", "add", "default", "dev", nic.name});
        else if (!gw.empty())
            run_inside(drv, pid, {family, "route", "add", "default", "via", address_only(gw), "dev", nic.name, "onlink"});
    }
}

} // namespace lxdp_lxc
