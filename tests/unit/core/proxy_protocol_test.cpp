// PROXY protocol headers read off a socket, leaving what follows (TLS) untouched.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "tls/ProxyProtocol.h"

namespace {

using lxdp::tls::isListedAddress;
using lxdp::tls::proxyV2Header;
using lxdp::tls::readProxyHeader;

class ProxyProtocolTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0); }
    void TearDown() override {
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    void send(const std::string& bytes) { ASSERT_EQ(::write(fds_[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size())); }
    std::string rest() {
        ::shutdown(fds_[1], SHUT_WR);
        std::string out;
        char buf[256];
        for (ssize_t n; (n = ::read(fds_[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
        return out;
    }
    std::optional<std::string> read() { return readProxyHeader(fds_[0], std::chrono::milliseconds(500)); }
    int fds_[2];
};

TEST_F(ProxyProtocolTest, V1NamesTheClient) {
    send("PROXY TCP4 198.18.0.9 10.0.0.1 5555 8443\r\n\x16\x03\x01");
    EXPECT_EQ(read(), "198.18.0.9");
    EXPECT_EQ(rest(), "\x16\x03\x01");
}

TEST_F(ProxyProtocolTest, V1Ipv6AndUnknown) {
    send("PROXY TCP6 2001:db8::1 2001:db8::2 5555 8443\r\nPROXY UNKNOWN\r\n");
    EXPECT_EQ(read(), "2001:db8::1");
    EXPECT_EQ(read(), std::nullopt);
}

TEST_F(ProxyProtocolTest, V2NamesTheClient) {
    const std::string header("\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc6\x12\x00\x0a\x0a\x00\x00\x01\x15\xb3\x20\xfb", 28);
    send(header + "\x16");
    EXPECT_EQ(read(), "198.18.0.10");
    EXPECT_EQ(rest(), "\x16");
}

TEST_F(ProxyProtocolTest, WrittenV2HeaderReadsBack) {
    sockaddr_storage source{}, destination{};
    auto& s = reinterpret_cast<sockaddr_in&>(source);
    auto& d = reinterpret_cast<sockaddr_in&>(destination);
    s.sin_family = d.sin_family = AF_INET;
    ::inet_pton(AF_INET, "198.18.0.10", &s.sin_addr);
    ::inet_pton(AF_INET, "10.0.0.1", &d.sin_addr);
    s.sin_port = htons(5555), d.sin_port = htons(8443);
    const std::string header = proxyV2Header(source, destination);
    EXPECT_EQ(header, std::string("\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc6\x12\x00\x0a\x0a\x00\x00\x01\x15\xb3\x20\xfb", 28));
    send(header + proxyV2Header(sockaddr_storage{}, sockaddr_storage{}));
    EXPECT_EQ(read(), "198.18.0.10");
    EXPECT_EQ(read(), std::nullopt);  // AF_UNSPEC
}

TEST_F(ProxyProtocolTest, V2LocalNamesNobody) {
    send(std::string("\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00", 16));
    EXPECT_EQ(read(), std::nullopt);
}

TEST_F(ProxyProtocolTest, NoHeaderLeavesTheStreamAlone) {
    send("\x16\x03\x01");
    EXPECT_EQ(read(), std::nullopt);
    EXPECT_EQ(rest(), "\x16\x03\x01");
}

TEST_F(ProxyProtocolTest, MalformedOrLateHeadersAreRefused) {
    send("PROXY TCP4 not-an-ip 10.0.0.1 1 2\r\n");
    EXPECT_THROW(read(), std::runtime_error);
    send("PROXY TCP4 198.18.0.1 10.0.0.1 1 2");  // no end of line: times out
    EXPECT_THROW(read(), std::runtime_error);
}

TEST_F(ProxyProtocolTest, TooLongV1IsRefused) {
    send("PROXY " + std::string(200, 'x'));
    EXPECT_THROW(read(), std::runtime_error);
}

TEST(ProxyList, ComparesAddresses) {
    EXPECT_TRUE(isListedAddress("10.0.0.1, 192.0.2.5", "192.0.2.5"));
    EXPECT_TRUE(isListedAddress("10.0.0.1", "::ffff:10.0.0.1"));
    EXPECT_TRUE(isListedAddress("2001:db8::1", "2001:db8:0::1"));
    EXPECT_FALSE(isListedAddress("10.0.0.1", "10.0.0.2"));
    EXPECT_FALSE(isListedAddress("", "10.0.0.2"));
    EXPECT_FALSE(isListedAddress("10.0.0.1", "garbage"));
}

}  // namespace
