#include "services/ProxyAddress.h"

#include <arpa/inet.h>

#include <algorithm>
#include <stdexcept>

#include "config/Validators.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {

// The most ports one listen key may name: each is a socket (or a NAT rule) of its own.
constexpr size_t kMaxPorts = 1024;

std::string valueOf(const db::StringMap& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
}

int familyOf(const std::string& host) {
    unsigned char buf[16];
    if (::inet_pton(AF_INET, host.c_str(), buf) == 1) return AF_INET;
    if (::inet_pton(AF_INET6, host.c_str(), buf) == 1) return AF_INET6;
    return AF_UNSPEC;
}

bool sameAddress(const std::string& a, const std::string& b) {
    unsigned char x[16] = {}, y[16] = {};
    const int family = familyOf(a);
    return family != AF_UNSPEC && family == familyOf(b) && ::inet_pton(family, a.c_str(), x) == 1 &&
           ::inet_pton(family, b.c_str(), y) == 1 && std::equal(x, x + 16, y);
}

uint16_t parsePort(const std::string& text) {
    if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
        throw std::invalid_argument("invalid port \"" + text + "\"");
    const unsigned long port = std::stoul(text);
    if (port == 0 || port > 65535) throw std::invalid_argument("port " + text + " out of range");
    return static_cast<uint16_t>(port);
}

// "80,443,8000-8010" -> 80, 443, 8000, ..., 8010.
std::vector<uint16_t> parsePorts(const std::string& spec) {
    std::vector<uint16_t> ports;
    for (size_t pos = 0; pos <= spec.size();) {
        const size_t comma = std::min(spec.find(',', pos), spec.size());
        const std::string item = spec.substr(pos, comma - pos);
        const size_t dash = item.find('-');
        const uint16_t first = parsePort(item.substr(0, dash));
        const uint16_t last = dash == std::string::npos ? first : parsePort(item.substr(dash + 1));
        if (last < first) throw std::invalid_argument("port range " + item + " ends before it starts");
        if (ports.size() + (last - first) + 1 > kMaxPorts)
            throw std::invalid_argument("more than " + std::to_string(kMaxPorts) + " ports");
        for (uint32_t p = first; p <= last; p++) ports.push_back(static_cast<uint16_t>(p));
        pos = comma + 1;
    }
    return ports;
}

}  // namespace

bool isWildcardHost(const std::string& host) { return sameAddress(host, "0.0.0.0") || sameAddress(host, "::"); }

ProxyAddress parseProxyAddress(const std::string& device, const std::string& key, const std::string& value) {
    const auto colon = value.find(':');
    ProxyAddress a;
    a.proto = value.substr(0, colon);
    const std::string rest = colon == std::string::npos ? "" : value.substr(colon + 1);
    const auto bad = [&](const std::string& why) {
        return BadRequest("Device \"" + device + "\": " + key + " \"" + value + "\": " + why);
    };
    if (a.proto == "unix") {
        if (rest.empty() || rest.front() != '/') throw bad("expected unix:/absolute/path");
        a.path = rest;
        return a;
    }
    if (a.proto != "tcp" && a.proto != "udp") throw bad("expected tcp:<address>:<port>, udp:<address>:<port> or unix:<path>");
    const auto lastColon = rest.rfind(':');
    if (lastColon == std::string::npos || lastColon + 1 == rest.size()) throw bad("missing port");
    a.host = rest.substr(0, lastColon);
    if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
    if (a.host.empty()) throw bad("missing address");
    try {
        a.ports = parsePorts(rest.substr(lastColon + 1));
    } catch (const std::invalid_argument& e) {
        throw bad(e.what());
    }
    return a;
}

std::string natConnectHost(const ProxyAddress& connect, const db::DeviceMap& devices) {
    const int family = familyOf(connect.host);
    for (const auto& [name, dev] : devices) {
        const bool bridged = valueOf(dev, "nictype") == "bridged" || (valueOf(dev, "nictype").empty() && !valueOf(dev, "network").empty());
        if (valueOf(dev, "type") != "nic" || !bridged) continue;
        const std::string ip = valueOf(dev, family == AF_INET6 ? "ipv6.address" : "ipv4.address");
        if (!ip.empty() && (isWildcardHost(connect.host) || sameAddress(ip, connect.host))) return ip;
    }
    return "";
}

void checkProxyDevice(const std::string& name, const db::StringMap& dev, const db::DeviceMap& devices) {
    const auto refuse = [&](const std::string& why) { return BadRequest("Device \"" + name + "\": " + why); };
    const ProxyAddress listen = parseProxyAddress(name, "listen", valueOf(dev, "listen"));
    const ProxyAddress connect = parseProxyAddress(name, "connect", valueOf(dev, "connect"));
    if ((listen.proto == "udp") != (connect.proto == "udp"))
        throw refuse("udp proxies only to udp (listen " + listen.proto + ", connect " + connect.proto + ")");
    if (connect.ports.size() > 1 && connect.ports.size() != listen.ports.size())
        throw refuse("connect names " + std::to_string(connect.ports.size()) + " ports for " +
                     std::to_string(listen.ports.size()) + " listen ports: give one, or as many");
    const bool proxyProtocol = config::isTrue(valueOf(dev, "proxy_protocol"));
    if (proxyProtocol && connect.proto != "tcp") throw refuse("the PROXY header can only be sent to tcp servers");
    if (!config::isTrue(valueOf(dev, "nat"))) return;
    // nat=true: the kernel forwards by DNAT, so only host addresses and ports to one of the
    // instance's own static addresses.
    if (listen.proto == "unix" || connect.proto == "unix") throw refuse("nat=true proxies tcp or udp, not unix sockets");
    if (listen.proto != connect.proto) throw refuse("nat=true needs the same protocol on both sides");
    if (valueOf(dev, "bind") == "instance") throw refuse("only host-bound proxies can use nat=true");
    if (proxyProtocol) throw refuse("the PROXY header cannot be sent with nat=true");
    if (isWildcardHost(listen.host) || familyOf(listen.host) == AF_UNSPEC)
        throw refuse("nat=true needs an IP address of the host to listen on, not \"" + listen.host + "\"");
    if (familyOf(connect.host) != familyOf(listen.host)) throw refuse("nat=true needs listen and connect of one IP family");
    if (natConnectHost(connect, devices).empty())
        throw refuse("nat=true connects to a static address (ipv4.address or ipv6.address) of a bridged NIC of the "
                     "instance, and no NIC has " + connect.host);
}

}  // namespace lxdp::services
