// The bridge network plugin, loaded from the build tree and driven through the host adapter:
// the parts that touch no interface of the machine (config checks, "auto" values, leases).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "plugin_test_support.h"
#include "plugins/HostServices.h"
#include "plugins/NetworkDriver.h"
#include "plugins/PluginError.h"
#include "plugins/PluginRegistry.h"

namespace lxdp::plugins {
namespace {

namespace fs = std::filesystem;

template <class F>
int statusOf(F&& f) {
    try {
        f();
        return 0;
    } catch (const ApiError& e) {
        return e.status();
    }
}

class NetBridgeTest : public ::testing::Test {
protected:
    void SetUp() override {
        host.setConfigLookup([this](const std::string& key) -> std::optional<std::string> {
            if (key == LXDP_HOST_KEY_VAR_DIR) return varDir.path();
            return std::nullopt;
        });
        registry.loadAll({LXDP_BUILD_PLUGIN_DIR});
        driver = registry.networkDriver("bridge");
        ASSERT_NE(driver, nullptr);
        ASSERT_TRUE(driver->usable()) << driver->probeError();
    }

    static NetworkRef net(const StringMap& config, const std::string& name = "lxdput0") {
        return NetworkRef{"default", name, config};
    }

    test::TempDir varDir;
    HostServices host;
    PluginRegistry registry{host};
    const NetworkDriver* driver = nullptr;
};

TEST_F(NetBridgeTest, ValidateAcceptsTheSpecKeys) {
    EXPECT_EQ(statusOf([&] {
                  driver->validate(net({{"ipv4.address", "198.18.0.1/24"},
                                        {"ipv4.nat", "true"},
                                        {"ipv4.dhcp.ranges", "198.18.0.10-198.18.0.20"},
                                        {"ipv6.address", "none"},
                                        {"bridge.mtu", "1400"},
                                        {"bridge.hwaddr", "00:16:3e:00:00:01"},
                                        {"dns.domain", "example"},
                                        {"user.note", "anything"}}));
              }),
              0);
}

TEST_F(NetBridgeTest, ValidateRefusesBadValuesAndUnknownKeys) {
    EXPECT_EQ(statusOf([&] { driver->validate(net({{"ipv4.address", "not-an-address"}})); }), 400);
    EXPECT_EQ(statusOf([&] { driver->validate(net({{"ipv4.address", "198.18.0.1/31"}})); }), 400);
    EXPECT_EQ(statusOf([&] { driver->validate(net({{"ipv6.address", "198.18.0.1/24"}})); }), 400);
    EXPECT_EQ(statusOf([&] { driver->validate(net({{"ipv4.nat", "maybe"}})); }), 400);
    EXPECT_EQ(statusOf([&] { driver->validate(net({{"ipv4.dhcp.ranges", "198.18.0.20-198.18.0.10"}})); }), 400);
    EXPECT_EQ(statusOf([&] { driver->validate(net({{"no.such", "1"}})); }), 400);
    EXPECT_EQ(statusOf([&] { driver->validate(net({}, "bad/name")); }), 400);
    EXPECT_EQ(statusOf([&] { driver->validate(net({}, "waytoolongname0123")); }), 400);
    EXPECT_FALSE(fs::exists(varDir.path() + "/networks"));
}

TEST_F(NetBridgeTest, CreateFillsAutoAddressesAndNat) {
    auto filled = driver->create(net({{"ipv6.address", "none"}}));
    ASSERT_EQ(filled.count("ipv4.address"), 1u);
    EXPECT_EQ(filled.at("ipv4.address").rfind("10.", 0), 0u) << filled.at("ipv4.address");
    EXPECT_EQ(filled.at("ipv4.nat"), "true");
    EXPECT_EQ(filled.count("ipv6.address"), 0u);
    // An explicit address stays as given, without NAT turned on.
    EXPECT_TRUE(driver->create(net({{"ipv4.address", "198.18.0.1/24"}, {"ipv6.address", "none"}})).empty());
}

TEST_F(NetBridgeTest, StaticLeasesAreListedAndForgotten) {
    const auto n = net({{"ipv4.address", "198.18.0.1/24"}});
    driver->staticLease(n, "default_c1.eth0", NetLease{"c1", "00:16:3e:00:00:01", "198.18.0.5", "static"});
    driver->staticLease(n, "default_c2.eth0", NetLease{"c2", "00:16:3e:00:00:02", "", "static"});
    // c2 got a dynamic lease; dnsmasq recorded no hostname for it.
    std::ofstream(varDir.path() + "/networks/lxdput0/dnsmasq.leases")
        << "1795844973 00:16:3e:00:00:02 198.18.0.77 * 01:00:16:3e:00:00:02\n";
    auto leases = driver->leases(n);
    ASSERT_EQ(leases.size(), 2u);
    EXPECT_EQ(leases[0].hostname, "c2");
    EXPECT_EQ(leases[0].address, "198.18.0.77");
    EXPECT_EQ(leases[0].type, "dynamic");
    EXPECT_EQ(leases[1].hostname, "c1");
    EXPECT_EQ(leases[1].address, "198.18.0.5");
    EXPECT_EQ(leases[1].type, "static");

    driver->staticLease(n, "default_c1.eth0", std::nullopt);
    EXPECT_EQ(driver->leases(n).size(), 1u);
    EXPECT_EQ(statusOf([&] { driver->staticLease(n, "../escape", NetLease{"x", "00:16:3e:00:00:03", "", ""}); }), 400);
    EXPECT_EQ(statusOf([&] { driver->staticLease(n, "o", NetLease{"x,y", "00:16:3e:00:00:03", "", ""}); }), 400);
}

TEST_F(NetBridgeTest, StateOfAMissingBridgeIsNotFound) {
    EXPECT_EQ(statusOf([&] { driver->state(net({})); }), 404);
}

}  // namespace
}  // namespace lxdp::plugins
