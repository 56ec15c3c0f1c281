#include "netif.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bitset>
#include <cstdio>
#include <cstring>
#include <map>

namespace lxdp_netif {

namespace {

unsigned prefix_length(const sockaddr *mask) {
    if (mask == nullptr)
        return 0;
    const auto *bytes = mask->sa_family == AF_INET
                            ? reinterpret_cast<const unsigned char *>(&reinterpret_cast<const sockaddr_in *>(mask)->sin_addr)
                            : reinterpret_cast<const unsigned char *>(&reinterpret_cast<const sockaddr_in6 *>(mask)->sin6_addr);
    const size_t len = mask->sa_family == AF_INET ? 4 : 16;
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++)
        bits += std::bitset<8>(bytes[i]).count();
    return bits;
}

// The scope names of `ip addr`, from the address itself.
std::string scope_of(const sockaddr *sa) {
    if (sa->sa_family == AF_INET) {
        uint32_t a = ntohl(reinterpret_cast<const sockaddr_in *>(sa)->sin_addr.s_addr);
        if ((a >> 24) == 127)
            return "local";
        if ((a >> 16) == 0xa9fe)
            return "link";
        return "global";
    }
    const in6_addr &a = reinterpret_cast<const sockaddr_in6 *>(sa)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a))
        return "local";
    if (IN6_IS_ADDR_LINKLOCAL(&a))
        return "link";
    return "global";
}

std::string address_text(const sockaddr *sa) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void *src = sa->sa_family == AF_INET
                          ? static_cast<const void *>(&reinterpret_cast<const sockaddr_in *>(sa)->sin_addr)
                          : static_cast<const void *>(&reinterpret_cast<const sockaddr_in6 *>(sa)->sin6_addr);
    return inet_ntop(sa->sa_family, src, buf, sizeof buf) != nullptr ? buf : "";
}

std::string mac_text(const sockaddr_ll *ll) {
    std::string out;
    for (int i = 0; i < ll->sll_halen && i < 8; i++) {
        char b[4];
        std::snprintf(b, sizeof b, "%02x", ll->sll_addr[i]);
        out += (i == 0 ? "" : ":") + std::string(b);
    }
    return out;
}

} // namespace

bool read_interfaces(const std::string &only, std::vector<Interface> &out) {
    ifaddrs *list = nullptr;
    if (getifaddrs(&list) != 0)
        return false;
    // A socket made now belongs to this thread's namespace, as the interfaces listed above do.
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    std::map<std::string, size_t> index;
    for (ifaddrs *ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
        if (ifa->ifa_name == nullptr || (!only.empty() && only != ifa->ifa_name))
            continue;
        auto [it, added] = index.emplace(ifa->ifa_name, out.size());
        if (added) {
            Interface iface;
            iface.name = ifa->ifa_name;
            iface.state = (ifa->ifa_flags & IFF_UP) != 0 ? "up" : "down";
            iface.type = (ifa->ifa_flags & IFF_LOOPBACK) != 0      ? "loopback"
                         : (ifa->ifa_flags & IFF_POINTOPOINT) != 0 ? "point-to-point"
                                                                  : "broadcast";
            ifreq req{};
            std::snprintf(req.ifr_name, sizeof req.ifr_name, "%s", ifa->ifa_name);
            if (sock >= 0 && ioctl(sock, SIOCGIFMTU, &req) == 0)
                iface.mtu = uint32_t(req.ifr_mtu);
            out.push_back(std::move(iface));
        }
        Interface &iface = out[it->second];
        const sockaddr *sa = ifa->ifa_addr;
        if (sa == nullptr)
            continue;
        if (sa->sa_family == AF_PACKET) {
            iface.hwaddr = mac_text(reinterpret_cast<const sockaddr_ll *>(sa));
            if (const auto *stats = static_cast<const rtnl_link_stats *>(ifa->ifa_data)) {
                iface.bytes_received = stats->rx_bytes;
                iface.bytes_sent = stats->tx_bytes;
                iface.packets_received = stats->rx_packets;
                iface.packets_sent = stats->tx_packets;
            }
        } else if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
            iface.addresses.push_back(Address{sa->sa_family == AF_INET ? "inet" : "inet6", address_text(sa),
                                              std::to_string(prefix_length(ifa->ifa_netmask)), scope_of(sa)});
        }
    }
    if (sock >= 0)
        close(sock);
    freeifaddrs(list);
    return true;
}

void report_interfaces(const std::vector<Interface> &ifaces, const lxdp_net_interface_sink *out) {
    if (out == nullptr || out->add == nullptr)
        return;
    for (const Interface &i : ifaces) {
        std::vector<lxdp_net_address> addrs;
        for (const Address &a : i.addresses)
            addrs.push_back(lxdp_net_address{sizeof(lxdp_net_address), 0, a.family.c_str(), a.address.c_str(),
                                             a.netmask.c_str(), a.scope.c_str()});
        lxdp_net_interface iface{};
        iface.struct_size = sizeof iface;
        iface.mtu = i.mtu;
        iface.name = i.name.c_str();
        iface.hwaddr = i.hwaddr.c_str();
        iface.host_name = i.host_name.c_str();
        iface.state = i.state.c_str();
        iface.type = i.type.c_str();
        iface.bytes_received = i.bytes_received;
        iface.bytes_sent = i.bytes_sent;
        iface.packets_received = i.packets_received;
        iface.packets_sent = i.packets_sent;
        iface.n_addresses = uint32_t(addrs.size());
        iface.addresses = addrs.data();
        out->add(out->ctx, &iface);
    }
}

} // namespace lxdp_netif
