// The loader's rules, one refusal each, against the fixture plugins of tests/fixtures.
#include <gtest/gtest.h>

#include <fstream>

#include "plugin_test_support.h"
#include "plugins/HostServices.h"
#include "plugins/PluginError.h"
#include "plugins/PluginRegistry.h"
#include "plugins/StorageDriver.h"

namespace lxdp::plugins {
namespace {

const std::string kFixtures = LXDP_TEST_FIXTURE_DIR;

std::string fixture(const std::string& name) { return kFixtures + "/" + name + ".so"; }

class PluginRegistryTest : public ::testing::Test {
protected:
    void SetUp() override { registry.loadAll({kFixtures}); }

    const PluginLoadReport& report(const std::string& name) const {
        for (const auto& r : registry.reports())
            if (r.path == fixture(name)) return r;
        throw std::runtime_error("no report for " + name);
    }

    // The refusal is reported, logged as a warning naming the file, and fixture-good still loaded.
    void expectRefused(const std::string& name, const std::string& reason) const {
        const auto& r = report(name);
        EXPECT_FALSE(r.ok);
        EXPECT_NE(r.reason.find(reason), std::string::npos) << r.reason;
        EXPECT_NE(log.find("plugin " + fixture(name) + ": " + reason, Poco::Message::PRIO_WARNING), "");
        EXPECT_TRUE(report("fixture-good").ok);
        EXPECT_NE(registry.storageDriver("fixturefs"), nullptr);
    }

    test::LogCapture log;
    HostServices host;
    PluginRegistry registry{host};
};

TEST_F(PluginRegistryTest, LoadsEverySharedObjectInNameOrder) {
    std::vector<std::string> paths;
    for (const auto& r : registry.reports()) paths.push_back(r.path);
    EXPECT_EQ(paths, (std::vector<std::string>{fixture("fixture-dup-a"), fixture("fixture-dup-b"),
                                               fixture("fixture-entry-error"), fixture("fixture-good"),
                                               fixture("fixture-instance"), fixture("fixture-new-minor"), fixture("fixture-no-entry"),
                                               fixture("fixture-unusable"), fixture("fixture-wrong-major")}));
}

TEST_F(PluginRegistryTest, GoodPluginProvidesItsDriver) {
    const auto& r = report("fixture-good");
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.name, "fixture-good");
    EXPECT_EQ(r.reason, "");
    const StorageDriver* d = registry.storageDriver("fixturefs");
    ASSERT_NE(d, nullptr);
    EXPECT_TRUE(d->usable());
    EXPECT_EQ(d->version(), "fixture");
    EXPECT_EQ(d->flags(), 0u);
}

TEST_F(PluginRegistryTest, RefusesLibraryWithoutEntry) {
    expectRefused("fixture-no-entry", "no entry symbol lxdp_plugin_entry_v1, not a plugin for ABI 1");
}

TEST_F(PluginRegistryTest, RefusesOtherMajor) {
    expectRefused("fixture-wrong-major", "built for ABI major 2, this host speaks 1");
}

TEST_F(PluginRegistryTest, RefusesPluginNeedingNewerHostMinor) {
    expectRefused("fixture-new-minor", "needs host ABI 1." + std::to_string(LXDP_ABI_MINOR + 1) + ", this host is 1." +
                                           std::to_string(LXDP_ABI_MINOR));
}

TEST_F(PluginRegistryTest, RefusesPluginWhoseEntryFails) {
    expectRefused("fixture-entry-error", "refused to load: fixture needs a newer kernel feature");
}

TEST_F(PluginRegistryTest, RefusesSecondProviderOfADriver) {
    EXPECT_TRUE(report("fixture-dup-a").ok);
    expectRefused("fixture-dup-b",
                  "duplicate storage driver 'dupdrv' (already provided by " + fixture("fixture-dup-a") + ")");
    EXPECT_NE(registry.storageDriver("dupdrv"), nullptr);
}

TEST_F(PluginRegistryTest, SkipsUnknownComponentKinds) {
    EXPECT_NE(log.find("skipping component 'future-kind' of unknown kind 99"), "");
    EXPECT_EQ(registry.storageDrivers().size(), 3u);  // brokenfs, dupdrv, fixturefs
}

TEST_F(PluginRegistryTest, ReportsUnusableDriverWithProbeMessage) {
    EXPECT_TRUE(report("fixture-unusable").ok);
    const StorageDriver* d = registry.storageDriver("brokenfs");
    ASSERT_NE(d, nullptr);
    EXPECT_FALSE(d->usable());
    EXPECT_EQ(d->probeError(), "the fixture tool is not installed");
    EXPECT_NE(log.find("storage driver 'brokenfs' is not usable: the fixture tool is not installed",
                       Poco::Message::PRIO_WARNING),
              "");
}

TEST_F(PluginRegistryTest, NullFunctionIsNotSupported) {
    const StorageDriver* d = registry.storageDriver("fixturefs");
    ASSERT_NE(d, nullptr);
    try {
        d->openPool("p1", {});
        FAIL() << "openPool should throw";
    } catch (const PluginError& e) {
        EXPECT_EQ(e.code(), LXDP_E_NOTSUP);
        EXPECT_EQ(e.status(), 400);
        EXPECT_STREQ(e.what(), "fixturefs does not support pool_open");
    }
}

TEST(PluginRegistryLoad, RefusesFileThatIsNotASharedObject) {
    test::TempDir dir;
    std::ofstream(dir.path() + "/garbage.so") << "not an ELF file";
    std::ofstream(dir.path() + "/notes.txt") << "ignored: not *.so";
    test::LogCapture log;
    HostServices host;
    PluginRegistry registry(host);
    registry.loadAll({dir.path(), dir.path() + "/missing", kFixtures});
    ASSERT_FALSE(registry.reports().empty());
    const auto& r = registry.reports().front();
    EXPECT_EQ(r.path, dir.path() + "/garbage.so");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.reason.rfind("cannot load: ", 0), 0u) << r.reason;
    EXPECT_NE(r.reason.find("garbage.so"), std::string::npos) << "dlerror names the file: " << r.reason;
    EXPECT_EQ(registry.reports().size(), 10u);  // loading carried on into the fixtures
}

TEST(PluginRegistryLoad, LoadsTheRealDirPlugin) {
    HostServices host;
    PluginRegistry registry(host);
    registry.loadAll({LXDP_BUILD_PLUGIN_DIR});
    const StorageDriver* d = registry.storageDriver("dir");
    ASSERT_NE(d, nullptr);
    EXPECT_TRUE(d->usable());
    EXPECT_EQ(d->version(), "1");
}

}  // namespace
}  // namespace lxdp::plugins
