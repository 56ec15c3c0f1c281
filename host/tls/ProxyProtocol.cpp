#include "tls/ProxyProtocol.h"

#include <Poco/Net/IPAddress.h>

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstring>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace lxdp::tls {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kV1MaxLength = 107;  // the longest v1 line, CRLF included
constexpr unsigned char kV2Signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

void waitReadable(int fd, Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) throw std::runtime_error("no PROXY header in time");
}

std::string readBytes(int fd, size_t n, Clock::time_point deadline) {
    std::string out(n, '\0');
    for (size_t got = 0; got < n;) {
        waitReadable(fd, deadline);
        const ssize_t r = ::recv(fd, out.data() + got, n - got, 0);
        if (r <= 0) throw std::runtime_error("connection closed inside the PROXY header");
        got += static_cast<size_t>(r);
    }
    return out;
}

// The first byte, left in place for TLS.
char peekFirst(int fd, Clock::time_point deadline) {
    waitReadable(fd, deadline);
    char c = 0;
    if (::recv(fd, &c, 1, MSG_PEEK) != 1) throw std::runtime_error("connection closed before the handshake");
    return c;
}

std::optional<std::string> readV1(int fd, Clock::time_point deadline) {
    std::string line;
    while (line.size() < 2 || line.compare(line.size() - 2, 2, "\r\n") != 0) {
        if (line.size() >= kV1MaxLength) throw std::runtime_error("PROXY v1 header too long");
        line += readBytes(fd, 1, deadline);
    }
    std::istringstream words(line.substr(0, line.size() - 2));
    std::string proxy, family, source, destination;
    words >> proxy >> family >> source >> destination;
    if (proxy != "PROXY") throw std::runtime_error("malformed PROXY v1 header");
    if (family == "UNKNOWN") return std::nullopt;
    Poco::Net::IPAddress ip;
    if ((family != "TCP4" && family != "TCP6") || !Poco::Net::IPAddress::tryParse(source, ip) ||
        (family == "TCP4") != (ip.family() == Poco::Net::IPAddress::IPv4))
        throw std::runtime_error("malformed PROXY v1 header");
    return ip.toString();
}

std::optional<std::string> readV2(int fd, Clock::time_point deadline) {
    const std::string head = readBytes(fd, 16, deadline);
    if (std::memcmp(head.data(), kV2Signature, sizeof kV2Signature) != 0) throw std::runtime_error("malformed PROXY v2 header");
    const auto versionCommand = static_cast<unsigned char>(head[12]);
    const auto family = static_cast<unsigned char>(head[13]);
    const size_t length = (static_cast<unsigned char>(head[14]) << 8) | static_cast<unsigned char>(head[15]);
    if ((versionCommand >> 4) != 2) throw std::runtime_error("unknown PROXY protocol version");
    const std::string body = readBytes(fd, length, deadline);
    // LOCAL: the proxy's own connection (health checks).
    if ((versionCommand & 0x0F) == 0) return std::nullopt;
    if ((versionCommand & 0x0F) != 1) throw std::runtime_error("unknown PROXY v2 command");
    char text[INET6_ADDRSTRLEN] = {};
    if ((family >> 4) == 1 && body.size() >= 12) return std::string(inet_ntop(AF_INET, body.data(), text, sizeof text));
    if ((family >> 4) == 2 && body.size() >= 36) return std::string(inet_ntop(AF_INET6, body.data(), text, sizeof text));
    if ((family >> 4) == 0) return std::nullopt;  // AF_UNSPEC
    throw std::runtime_error("malformed PROXY v2 addresses");
}

Poco::Net::IPAddress normalized(const Poco::Net::IPAddress& ip) {
    if (ip.family() == Poco::Net::IPAddress::IPv6 && ip.isIPv4Mapped())
        return Poco::Net::IPAddress(ip.toString().substr(ip.toString().rfind(':') + 1));
    return ip;
}

}  // namespace

std::string proxyV2Header(const sockaddr_storage& source, const sockaddr_storage& destination) {
    std::string out(reinterpret_cast<const char*>(kV2Signature), sizeof kV2Signature);
    out += static_cast<char>(0x21);  // version 2, PROXY
    std::string body;
    const auto append = [&body](const void* data, size_t n) { body.append(static_cast<const char*>(data), n); };
    if (source.ss_family == AF_INET && destination.ss_family == AF_INET) {
        const auto& s = reinterpret_cast<const sockaddr_in&>(source);
        const auto& d = reinterpret_cast<const sockaddr_in&>(destination);
        out += static_cast<char>(0x11);  // AF_INET, STREAM
        append(&s.sin_addr, 4), append(&d.sin_addr, 4), append(&s.sin_port, 2), append(&d.sin_port, 2);
    } else if (source.ss_family == AF_INET6 && destination.ss_family == AF_INET6) {
        const auto& s = reinterpret_cast<const sockaddr_in6&>(source);
        const auto& d = reinterpret_cast<const sockaddr_in6&>(destination);
        out += static_cast<char>(0x21);  // AF_INET6, STREAM
        append(&s.sin6_addr, 16), append(&d.sin6_addr, 16), append(&s.sin6_port, 2), append(&d.sin6_port, 2);
    } else {
        out += static_cast<char>(0x00);  // AF_UNSPEC
    }
    out += static_cast<char>(body.size() >> 8);
    out += static_cast<char>(body.size() & 0xFF);
    return out + body;
}

bool isListedAddress(const std::string& list, const std::string& address) {
    Poco::Net::IPAddress want;
    if (!Poco::Net::IPAddress::tryParse(address, want)) return false;
    want = normalized(want);
    std::istringstream items(list);
    for (std::string item; std::getline(items, item, ',');) {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        Poco::Net::IPAddress ip;
        if (Poco::Net::IPAddress::tryParse(item, ip) && normalized(ip) == want) return true;
    }
    return false;
}

std::optional<std::string> readProxyHeader(int fd, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    // TLS begins with 0x16; a header with "PROXY " or the v2 signature's first byte.
    const char first = peekFirst(fd, deadline);
    if (first == 'P') return readV1(fd, deadline);
    if (first == '\r') return readV2(fd, deadline);
    return std::nullopt;
}

}  // namespace lxdp::tls
