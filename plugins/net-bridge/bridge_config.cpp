#include "bridge_config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <map>
#include <sstream>

namespace lxdp_bridge {

namespace {

using Check = std::function<void(const std::string &)>;

[[noreturn]] void bad(const std::string &why) { fail(LXDP_E_INVAL, why); }

bool parse_ip(const std::string &text, bool v6, unsigned char *out) {
    return inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), out) == 1;
}

std::string ip_text(const unsigned char *bytes, bool v6) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, buf, sizeof buf);
    return buf;
}

std::optional<Cidr> parse_cidr(const std::string &value, bool v6) {
    auto slash = value.find('/');
    if (slash == std::string::npos || slash + 1 == value.size() ||
        value.find_first_not_of("0123456789", slash + 1) != std::string::npos || value.size() - slash > 4)
        return std::nullopt;
    unsigned char bytes[16];
    const std::string addr = value.substr(0, slash);
    const unsigned prefix = unsigned(std::stoul(value.substr(slash + 1)));
    if (!parse_ip(addr, v6, bytes) || prefix > (v6 ? 128u : 32u))
        return std::nullopt;
    return Cidr{ip_text(bytes, v6), prefix, v6};
}

bool is_true(const std::string &v) { return v == "true" || v == "1" || v == "yes" || v == "on"; }

void is_bool(const std::string &v) {
    if (!is_true(v) && v != "false" && v != "0" && v != "no" && v != "off")
        bad("Invalid value \"" + v + "\": expected a boolean");
}

Check is_address_key(bool v6) {
    return [v6](const std::string &v) {
        if (v == "none" || v == "auto")
            return;
        auto cidr = parse_cidr(v, v6);
        if (!cidr)
            bad("Invalid value \"" + v + "\": expected an IPv" + (v6 ? "6" : "4") +
                " address in CIDR notation, \"auto\" or \"none\"");
        const unsigned host_bits = (v6 ? 128 : 32) - cidr->prefix;
        if (host_bits < 2)
            bad("Invalid value \"" + v + "\": the subnet is too small for a bridge");
    };
}

Check is_ip(bool v6) {
    return [v6](const std::string &v) {
        unsigned char bytes[16];
        if (!parse_ip(v, v6, bytes))
            bad("Invalid value \"" + v + "\": expected an IPv" + (v6 ? "6" : "4") + " address");
    };
}

std::vector<std::string> split_list(const std::string &v) {
    std::vector<std::string> out;
    std::stringstream in(v);
    for (std::string item; std::getline(in, item, ',');) {
        auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
        if (b != std::string::npos)
            out.push_back(item.substr(b, e - b + 1));
    }
    return out;
}

Check is_cidr_list(bool v6) {
    return [v6](const std::string &v) {
        for (const auto &item : split_list(v))
            if (!parse_cidr(item, v6))
                bad("Invalid value \"" + item + "\": expected an IPv" + (v6 ? "6" : "4") + " subnet in CIDR notation");
    };
}

std::vector<std::pair<std::string, std::string>> parse_ranges(const std::string &v, bool v6) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto &item : split_list(v)) {
        auto dash = item.find('-');
        unsigned char a[16], b[16];
        if (dash == std::string::npos || !parse_ip(item.substr(0, dash), v6, a) ||
            !parse_ip(item.substr(dash + 1), v6, b) || std::memcmp(a, b, v6 ? 16 : 4) > 0)
            bad("Invalid value \"" + item + "\": expected a range \"<first>-<last>\" of IPv" + (v6 ? "6" : "4") +
                " addresses");
        out.emplace_back(ip_text(a, v6), ip_text(b, v6));
    }
    return out;
}

void is_interface(const std::string &v) {
    if (v.empty() || v.size() > 15 || v == "." || v == ".." || v.find_first_of("/: \t\n") != std::string::npos)
        bad("Invalid interface name \"" + v + "\"");
}

void is_uint(const std::string &v, uint64_t max) {
    if (v.empty() || v.size() > 10 || v.find_first_not_of("0123456789") != std::string::npos || std::stoull(v) > max)
        bad("Invalid value \"" + v + "\": expected an integer up to " + std::to_string(max));
}

void is_mac(const std::string &v) {
    unsigned b[6];
    char tail;
    if (v.size() != 17 || std::sscanf(v.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
                                      &b[5], &tail) != 6)
        bad("Invalid value \"" + v + "\": expected a MAC address");
}

// dnsmasq's lease time: a number with an optional s/m/h/d/w unit, or "infinite".
void is_expiry(const std::string &v) {
    if (v == "infinite")
        return;
    size_t digits = v.find_first_not_of("0123456789");
    if (digits == 0 || (digits != std::string::npos && (digits + 1 != v.size() || std::strchr("smhdw", v.back()) == nullptr)))
        bad("Invalid value \"" + v + "\": expected a duration such as 1h or 30m");
}

Check one_of(std::vector<std::string> allowed) {
    return [allowed](const std::string &v) {
        for (const auto &a : allowed)
            if (v == a)
                return;
        std::string list;
        for (const auto &a : allowed)
            list += (list.empty() ? "" : ", ") + a;
        bad("Invalid value \"" + v + "\": expected one of " + list);
    };
}

void is_any(const std::string &) {}

const std::map<std::string, Check> &keys() {
    static const std::map<std::string, Check> table = {
        {"bridge.driver", one_of({"native", "openvswitch"})},
        {"bridge.external_interfaces", [](const std::string &v) { for (const auto &i : split_list(v)) is_interface(i); }},
        {"bridge.hwaddr", is_mac},
        {"bridge.mode", one_of({"standard", "fan"})},
        {"bridge.mtu", [](const std::string &v) {
             is_uint(v, 65535);
             if (std::stoul(v) < 68)
                 bad("Invalid value \"" + v + "\": the MTU must be at least 68");
         }},
        {"dns.domain", [](const std::string &v) {
             if (v.find_first_of(" \t\n,/") != std::string::npos)
                 bad("Invalid value \"" + v + "\": expected a DNS domain");
         }},
        {"dns.mode", one_of({"dynamic", "managed", "none"})},
        {"fan.overlay_subnet", is_cidr_list(false)},
        {"fan.underlay_subnet", [](const std::string &v) { if (v != "auto") is_cidr_list(false)(v); }},
        {"fan.type", one_of({"vxlan", "ipip"})},
        {"ipv4.address", is_address_key(false)},
        {"ipv4.dhcp", is_bool},
        {"ipv4.dhcp.expiry", is_expiry},
        {"ipv4.dhcp.gateway", is_ip(false)},
        {"ipv4.dhcp.ranges", [](const std::string &v) { parse_ranges(v, false); }},
        {"ipv4.firewall", is_bool},
        {"ipv4.nat", is_bool},
        {"ipv4.nat.order", one_of({"before", "after"})},
        {"ipv4.nat.address", is_ip(false)},
        {"ipv4.routes", is_cidr_list(false)},
        {"ipv4.routing", is_bool},
        {"ipv6.address", is_address_key(true)},
        {"ipv6.dhcp", is_bool},
        {"ipv6.dhcp.expiry", is_expiry},
        {"ipv6.dhcp.ranges", [](const std::string &v) { parse_ranges(v, true); }},
        {"ipv6.dhcp.stateful", is_bool},
        {"ipv6.firewall", is_bool},
        {"ipv6.nat", is_bool},
        {"ipv6.nat.order", one_of({"before", "after"})},
        {"ipv6.nat.address", is_ip(true)},
        {"ipv6.routes", is_cidr_list(true)},
        {"ipv6.routing", is_bool},
        {"maas.subnet.ipv4", is_any},
        {"maas.subnet.ipv6", is_any},
        {"raw.dnsmasq", is_any},
    };
    return table;
}

// Tunnel endpoints are plain addresses of either family (the spec's "1.1.1.1 or fd80:1234::1").
void is_address(const std::string &v) {
    unsigned char bytes[16];
    if (!parse_ip(v, false, bytes) && !parse_ip(v, true, bytes))
        bad("Invalid value \"" + v + "\": expected an IPv4 or IPv6 address");
}

void is_multicast(const std::string &v) {
    unsigned char bytes[16];
    const bool v4 = parse_ip(v, false, bytes);
    if (!(v4 && (bytes[0] & 0xf0) == 0xe0) && !(!v4 && parse_ip(v, true, bytes) && bytes[0] == 0xff))
        bad("Invalid value \"" + v + "\": expected a multicast address (224.0.0.0/4 or ff00::/8)");
}

// tunnel.NAME.KEY: NAME is the tunnel's label, KEY one of these.
const std::map<std::string, Check> &tunnel_keys() {
    static const std::map<std::string, Check> table = {
        {"protocol", one_of({"vxlan", "gre"})},
        {"local", is_address},
        {"remote", is_address},
        {"group", is_multicast},
        {"id", [](const std::string &v) { is_uint(v, 16777215); }}, // a VNI has 24 bits
        {"port", [](const std::string &v) { is_uint(v, 65535); }},
        {"ttl", [](const std::string &v) { is_uint(v, 255); }},
        {"interface", is_interface},
    };
    return table;
}

// Splits tunnel.NAME.KEY; false for any other shape (NAME cannot hold a dot).
bool split_tunnel_key(const std::string &key, std::string &name, std::string &field) {
    if (key.rfind("tunnel.", 0) != 0)
        return false;
    const size_t dot = key.find('.', 7);
    if (dot == std::string::npos || dot == 7 || dot + 1 == key.size() || key.find('.', dot + 1) != std::string::npos)
        return false;
    name = key.substr(7, dot - 7);
    field = key.substr(dot + 1);
    return true;
}

const Check *check_for(const std::string &key) {
    if (auto it = keys().find(key); it != keys().end())
        return &it->second;
    std::string name, field;
    if (split_tunnel_key(key, name, field))
        if (auto it = tunnel_keys().find(field); it != tunnel_keys().end())
            return &it->second;
    return nullptr;
}

// NAME becomes part of an interface name, <network>-<NAME>, which the kernel caps at 15 bytes.
void check_tunnel_name(const std::string &network, const std::string &name) {
    if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string::npos)
        bad("Invalid tunnel name \"" + name + "\": letters, digits, '_' or '-' only");
    if (network.size() + 1 + name.size() > 15)
        bad("Network name too long for tunnel interface: " + network + "-" + name);
}

// The tunnel.NAME.* keys grouped by NAME (unset keys take upstream's defaults).
std::map<std::string, Tunnel> tunnels_of(const Config &config) {
    std::map<std::string, Tunnel> out;
    for (const auto &[key, value] : config) {
        std::string name, field;
        if (value.empty() || !split_tunnel_key(key, name, field))
            continue;
        Tunnel &t = out[name];
        t.name = name;
        const std::map<std::string, std::string Tunnel::*> fields = {
            {"protocol", &Tunnel::protocol}, {"local", &Tunnel::local}, {"remote", &Tunnel::remote},
            {"group", &Tunnel::group},       {"interface", &Tunnel::interface}, {"id", &Tunnel::id},
            {"port", &Tunnel::port},         {"ttl", &Tunnel::ttl}};
        if (auto it = fields.find(field); it != fields.end())
            t.*(it->second) = value;
    }
    return out;
}

void random_bytes(unsigned char *out, size_t len) {
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, out, len) != ssize_t(len)) {
        if (fd >= 0)
            close(fd);
        fail(LXDP_E_IO, "Failed to read /dev/urandom");
    }
    close(fd);
}

// IPv4 routes of the host (connected subnets included) as network/mask pairs, host order.
std::vector<std::pair<uint32_t, uint32_t>> host_routes() {
    std::vector<std::pair<uint32_t, uint32_t>> out;
    for (const auto &r : host_ipv4_routes())
        if (r.mask != 0) // the default route overlaps everything and says nothing about use
            out.emplace_back(r.dst & r.mask, r.mask);
    return out;
}

// A random 10.x.y.1/24 that no route of the host touches (upstream picks from 10.0.0.0/8 too).
std::string pick_ipv4() {
    const auto routes = host_routes();
    for (int attempt = 0; attempt < 200; attempt++) {
        unsigned char r[2];
        random_bytes(r, sizeof r);
        const uint32_t net = (10u << 24) | (uint32_t(r[0]) << 16) | (uint32_t(r[1]) << 8);
        bool used = false;
        for (const auto &[dst, mask] : routes) {
            const uint32_t common = mask & 0xffffff00u; // the shorter of both prefixes
            used = used || (dst & common) == (net & common);
        }
        if (!used) {
            in_addr a{htonl(net | 1)};
            return ip_text(reinterpret_cast<unsigned char *>(&a), false) + "/24";
        }
    }
    fail(LXDP_E_NETWORK_NO_FREE_SUBNET, "Failed to find a free IPv4 subnet in 10.0.0.0/8");
}

// A random unique local fd42:xxxx:xxxx:xxxx::1/64, as upstream picks.
std::string pick_ipv6() {
    unsigned char addr[16] = {0xfd, 0x42};
    random_bytes(addr + 2, 6);
    addr[15] = 1;
    return ip_text(addr, true) + "/64";
}

bool host_has_ipv6() { return access("/proc/net/if_inet6", F_OK) == 0; }

} // namespace

std::string Cidr::subnet() const {
    unsigned char bytes[16] = {};
    parse_ip(address, v6, bytes);
    const unsigned len = v6 ? 16 : 4;
    for (unsigned bit = prefix; bit < len * 8; bit++)
        bytes[bit / 8] &= static_cast<unsigned char>(~(0x80u >> (bit % 8)));
    return ip_text(bytes, v6) + "/" + std::to_string(prefix);
}

void validate_config(const Net &net) {
    const Config &config = net.config;
    for (const auto &[key, value] : config) {
        if (key.rfind("user.", 0) == 0)
            continue;
        const Check *check = check_for(key);
        if (check == nullptr)
            bad("Invalid network configuration key: " + key);
        if (value.empty())
            continue; // unset
        try {
            (*check)(value);
        } catch (const Failure &f) {
            bad("Invalid value for network \"" + key + "\" option: " + f.what());
        }
    }
    auto get = [&](const std::string &k) {
        auto it = config.find(k);
        return it == config.end() ? std::string() : it->second;
    };
    if (get("bridge.driver") == "openvswitch" && !have_tool("ovs-vsctl"))
        fail(LXDP_E_NOTSUP, "Open vSwitch isn't installed on this system: bridge.driver=openvswitch needs ovs-vsctl "
                            "(package openvswitch-switch)");
    if (get("bridge.mode") == "fan")
        fail(LXDP_E_NOTSUP, "bridge.mode=fan is not supported by this server");
    for (const auto &[name, t] : tunnels_of(config)) {
        check_tunnel_name(net.name, name);
        if (!t.local.empty() && !t.remote.empty() && (t.local.find(':') == std::string::npos) != (t.remote.find(':') == std::string::npos))
            bad("tunnel." + name + ".local and tunnel." + name + ".remote must be of the same IP family");
    }
}

Settings settings_of(const Config &config) {
    auto get = [&](const std::string &k, const std::string &fallback = "") {
        auto it = config.find(k);
        return it == config.end() || it->second.empty() ? fallback : it->second;
    };
    Settings s;
    if (auto v4 = get("ipv4.address"); v4 != "none" && v4 != "auto" && !v4.empty())
        s.ipv4 = parse_cidr(v4, false);
    if (auto v6 = get("ipv6.address"); v6 != "none" && v6 != "auto" && !v6.empty())
        s.ipv6 = parse_cidr(v6, true);
    s.ipv4_nat = is_true(get("ipv4.nat"));
    s.ipv6_nat = is_true(get("ipv6.nat"));
    s.ipv4_nat_after = get("ipv4.nat.order") == "after";
    s.ipv6_nat_after = get("ipv6.nat.order") == "after";
    s.ipv4_nat_address = get("ipv4.nat.address");
    s.ipv6_nat_address = get("ipv6.nat.address");
    s.ipv4_dhcp = is_true(get("ipv4.dhcp", "true"));
    s.ipv6_dhcp = is_true(get("ipv6.dhcp", "true"));
    s.ipv6_dhcp_stateful = is_true(get("ipv6.dhcp.stateful"));
    s.ipv4_firewall = is_true(get("ipv4.firewall", "true"));
    s.ipv6_firewall = is_true(get("ipv6.firewall", "true"));
    s.ipv4_routing = is_true(get("ipv4.routing", "true"));
    s.ipv6_routing = is_true(get("ipv6.routing", "true"));
    s.ipv4_gateway = get("ipv4.dhcp.gateway");
    s.ipv4_ranges = parse_ranges(get("ipv4.dhcp.ranges"), false);
    s.ipv6_ranges = parse_ranges(get("ipv6.dhcp.ranges"), true);
    s.ipv4_expiry = get("ipv4.dhcp.expiry", "1h");
    s.ipv6_expiry = get("ipv6.dhcp.expiry", "1h");
    s.ipv4_routes = split_list(get("ipv4.routes"));
    s.ipv6_routes = split_list(get("ipv6.routes"));
    s.external_interfaces = split_list(get("bridge.external_interfaces"));
    s.openvswitch = get("bridge.driver") == "openvswitch";
    for (auto &[name, tunnel] : tunnels_of(config))
        s.tunnels.push_back(std::move(tunnel));
    // Upstream's defaults: 1400 leaves room for the tunnels' headers, 1500 otherwise (set
    // explicitly, so that unsetting bridge.mtu takes the bridge back to it).
    s.mtu = uint32_t(std::stoul(get("bridge.mtu", s.tunnels.empty() ? "1500" : "1400")));
    s.hwaddr = get("bridge.hwaddr");
    s.domain = get("dns.domain", "lxd");
    s.dns_mode = get("dns.mode", "managed");
    s.raw_dnsmasq = get("raw.dnsmasq");
    return s;
}

Config complete_config(const lxdp_host_api *host, const Config &config) {
    Config out;
    auto get = [&](const std::string &k) {
        auto it = config.find(k);
        return it == config.end() ? std::string() : it->second;
    };
    std::string v4 = get("ipv4.address"), v6 = get("ipv6.address");
    if (v4.empty())
        v4 = out["ipv4.address"] = "auto";
    if (v4 == "auto" && get("ipv4.nat").empty())
        out["ipv4.nat"] = "true";
    if (v6.empty() && host_has_ipv6())
        v6 = out["ipv6.address"] = "auto";
    if (v6 == "auto" && get("ipv6.nat").empty())
        out["ipv6.nat"] = "true";
    if (v4 == "auto")
        out["ipv4.address"] = pick_ipv4();
    if (v6 == "auto")
        out["ipv6.address"] = pick_ipv6();
    for (const auto &[k, v] : out)
        if (k.find("address") != std::string::npos)
            log(host, LXDP_LOG_INFO, "network: chose " + k + "=" + v);
    return out;
}

} // namespace lxdp_bridge
