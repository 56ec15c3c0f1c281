// One dnsmasq per bridge for DHCP, router adverts and DNS, with upstream's flags. It daemonizes
// on its own, so the host's run_command returns once it serves; it is found again through its
// pid file, and static leases are files of its --dhcp-hostsdir, which it watches with inotify.
#include "bridge_driver.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <sstream>
#include <thread>

namespace lxdp_bridge {

namespace {

std::string pid_file(const Net &net) { return net.dir + "/dnsmasq.pid"; }
std::string hosts_dir(const Net &net) { return net.dir + "/dnsmasq.hosts"; }

// The pid of this network's dnsmasq, or 0: a pid file alone is not trusted, the process must be
// a dnsmasq started with this very pid file (pids are reused).
pid_t running_pid(const Net &net) {
    std::string text = read_file(pid_file(net));
    pid_t pid = pid_t(std::strtol(text.c_str(), nullptr, 10));
    if (pid <= 0)
        return 0;
    std::string cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find("dnsmasq") == std::string::npos ||
        cmdline.find("--pid-file=" + pid_file(net) + " ") == std::string::npos)
        return 0;
    // A zombie has no cmdline, so this one still runs.
    return pid;
}

// The IPv4 address `offset` hosts into the subnet (negative: counted back from its broadcast).
std::string subnet_host(const Cidr &c, long offset) {
    in_addr a{};
    inet_pton(AF_INET, c.address.c_str(), &a);
    const uint32_t mask = c.prefix == 0 ? 0 : 0xffffffffu << (32 - c.prefix);
    const uint32_t net = ntohl(a.s_addr) & mask;
    const uint32_t host = offset >= 0 ? net + uint32_t(offset) : (net | ~mask) + uint32_t(offset);
    a.s_addr = htonl(host);
    char buf[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, &a, buf, sizeof buf);
}

std::vector<std::string> dnsmasq_args(const Net &net, const Settings &s) {
    const std::string &br = bridge_name(net);
    std::vector<std::string> a = {"dnsmasq",
                                  "--strict-order",
                                  "--bind-interfaces",
                                  "--pid-file=" + pid_file(net),
                                  "--except-interface=lo",
                                  "--no-ping",
                                  "--interface=" + br,
                                  "--dhcp-rapid-commit",
                                  "--no-negcache",
                                  "--quiet-dhcp",
                                  "--quiet-dhcp6",
                                  "--quiet-ra",
                                  "--dhcp-no-override",
                                  "--dhcp-authoritative",
                                  "--dhcp-leasefile=" + net.dir + "/dnsmasq.leases",
                                  "--dhcp-hostsdir=" + hosts_dir(net),
                                  // Upstream's raw.dnsmasq file; it also keeps /etc/dnsmasq.conf out.
                                  "--conf-file=" + net.dir + "/dnsmasq.raw",
                                  "--user=nobody",
                                  "--group=nogroup"};
    if (s.ipv4) {
        a.push_back("--listen-address=" + s.ipv4->address);
        if (s.ipv4_dhcp) {
            if (s.ipv4_ranges.empty())
                a.push_back("--dhcp-range=" + subnet_host(*s.ipv4, 2) + "," + subnet_host(*s.ipv4, -1) + "," +
                            s.ipv4_expiry);
            for (const auto &[first, last] : s.ipv4_ranges)
                a.push_back("--dhcp-range=" + first + "," + last + "," + s.ipv4_expiry);
            if (!s.ipv4_gateway.empty())
                a.push_back("--dhcp-option-force=3," + s.ipv4_gateway);
            // A bridge whose MTU is not Ethernet's (a tunnelled one's 1400) tells its clients, as
            // upstream's does: with 1500 their full-size frames would be dropped.
            if (s.mtu != 1500)
                a.push_back("--dhcp-option-force=26," + std::to_string(s.mtu));
        }
    }
    if (s.ipv6) {
        a.push_back("--listen-address=" + s.ipv6->address);
        a.push_back("--enable-ra");
        if (s.ipv6_dhcp && s.ipv6_dhcp_stateful) {
            if (s.ipv6_ranges.empty())
                a.push_back("--dhcp-range=::2,::ffff:ffff,constructor:" + br + "," + std::to_string(s.ipv6->prefix) +
                            "," + s.ipv6_expiry);
            for (const auto &[first, last] : s.ipv6_ranges)
                a.push_back("--dhcp-range=" + first + "," + last + "," + std::to_string(s.ipv6->prefix) + "," +
                            s.ipv6_expiry);
        } else {
            a.push_back("--dhcp-range=::,constructor:" + br + (s.ipv6_dhcp ? ",ra-stateless,ra-names" : ",ra-only"));
        }
    }
    if (s.dns_mode != "none") {
        a.push_back("-s");
        a.push_back(s.domain);
        a.push_back("-S");
        a.push_back("/" + s.domain + "/");
        a.push_back("--interface-name=_gateway." + s.domain + "," + br);
    }
    return a;
}

struct StaticEntry {
    std::string hwaddr, address, hostname;
};

// The hosts dir's entries: one "hwaddr[,address],hostname" line per file.
std::vector<StaticEntry> static_entries(const Net &net) {
    std::vector<StaticEntry> out;
    DIR *d = opendir(hosts_dir(net).c_str());
    if (d == nullptr)
        return out;
    while (dirent *e = readdir(d)) {
        if (e->d_name[0] == '.')
            continue;
        std::string line = read_file(hosts_dir(net) + "/" + e->d_name);
        line = line.substr(0, line.find('\n'));
        std::vector<std::string> parts;
        std::stringstream in(line);
        for (std::string p; std::getline(in, p, ',');)
            parts.push_back(p);
        if (parts.size() == 2)
            out.push_back({parts[0], "", parts[1]});
        else if (parts.size() == 3)
            out.push_back({parts[0], parts[1], parts[2]});
    }
    closedir(d);
    return out;
}

void check_field(const char *what, const char *value) {
    if (value != nullptr && std::strpbrk(value, ",\n /") != nullptr)
        fail(LXDP_E_INVAL, std::string("Invalid static lease ") + what + " \"" + value + "\"");
}

} // namespace

void dnsmasq_stop(const Net &net) {
    pid_t pid = running_pid(net);
    if (pid != 0) {
        kill(pid, SIGTERM);
        for (int i = 0; i < 50 && running_pid(net) == pid; i++)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (running_pid(net) == pid) {
            kill(pid, SIGKILL);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    unlink(pid_file(net).c_str());
}

void dnsmasq_start(const Net &net, const Settings &s) {
    dnsmasq_stop(net);
    if (!s.ipv4 && !s.ipv6)
        return;
    if (!have_tool("dnsmasq"))
        fail(LXDP_E_NOTSUP, "dnsmasq is not installed: a managed bridge with addresses needs it (package dnsmasq-base)");
    make_dir(hosts_dir(net), 0755);
    write_file(net.dir + "/dnsmasq.raw", s.raw_dnsmasq.empty() ? "" : s.raw_dnsmasq + "\n");
    run(net.host, dnsmasq_args(net, s));
    if (running_pid(net) == 0)
        fail(LXDP_E_IO, "dnsmasq for " + net.name + " exited right after its start (see the system log)");
}

void dnsmasq_leases(const Net &net, const lxdp_net_lease_sink *out) {
    if (out == nullptr || out->add == nullptr)
        return;
    const auto statics = static_entries(net);
    std::map<std::string, std::string> names; // hwaddr -> hostname
    for (const auto &e : statics)
        names[e.hwaddr] = e.hostname;
    auto emit = [&](const std::string &host, const std::string &mac, const std::string &ip, const char *type) {
        lxdp_net_lease l{sizeof(lxdp_net_lease), 0, host.c_str(), mac.c_str(), ip.c_str(), type};
        out->add(out->ctx, &l);
    };
    std::istringstream in(read_file(net.dir + "/dnsmasq.leases"));
    bool v6 = false;
    std::map<std::string, bool> leased; // hwaddr with a dynamic IPv4 lease
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::string expiry, id, ip, host;
        if (!(f >> expiry >> id))
            continue;
        if (expiry == "duid") {
            v6 = true;
            continue;
        }
        f >> ip >> host;
        if (host == "*")
            host.clear();
        // IPv6 lines name the IAID, not the MAC: the hostname is what ties them to a NIC.
        std::string mac = v6 ? "" : id;
        if (host.empty() && names.count(mac))
            host = names[mac];
        if (v6)
            for (const auto &e : statics)
                if (e.hostname == host)
                    mac = e.hwaddr;
        if (!v6)
            leased[mac] = true;
        emit(host, mac, ip, "dynamic");
    }
    for (const auto &e : statics)
        if (!e.address.empty() && !leased.count(e.hwaddr))
            emit(e.hostname, e.hwaddr, e.address, "static");
}

void dnsmasq_static_lease(const Net &net, const std::string &owner, const lxdp_net_lease *lease) {
    if (owner.empty() || owner.find('/') != std::string::npos || owner[0] == '.')
        fail(LXDP_E_INVAL, "Invalid static lease owner \"" + owner + "\"");
    const std::string path = hosts_dir(net) + "/" + owner;
    if (lease == nullptr) {
        if (!exists(path))
            return;
        remove_tree(path);
        // dnsmasq's inotify only adds entries: a removal needs a reload.
        if (pid_t pid = running_pid(net))
            kill(pid, SIGHUP);
        return;
    }
    if (lease->hwaddr == nullptr || *lease->hwaddr == '\0' || lease->hostname == nullptr || *lease->hostname == '\0')
        fail(LXDP_E_INVAL, "A static lease needs a MAC address and a hostname");
    check_field("MAC address", lease->hwaddr);
    check_field("hostname", lease->hostname);
    check_field("address", lease->address);
    make_network_dir(net);
    make_dir(hosts_dir(net), 0755);
    const bool has_address = lease->address != nullptr && *lease->address != '\0';
    write_file(path, std::string(lease->hwaddr) + (has_address ? std::string(",") + lease->address : "") + "," +
                         lease->hostname + "\n");
}

} // namespace lxdp_bridge
