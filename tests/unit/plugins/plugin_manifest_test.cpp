// Manifests (NAME.json beside each plugin): read without loading, logged by the loader, and a
// library whose manifest says another ABI major is refused before it is opened.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "plugin_test_support.h"
#include "plugins/HostServices.h"
#include "plugins/PluginManifest.h"
#include "plugins/PluginRegistry.h"

namespace lxdp::plugins {
namespace {

namespace fs = std::filesystem;

void writeManifest(const std::string& path, const std::string& abi, const std::string& library,
                   const std::string& kinds = "\"storage:fixturefs\"") {
    std::ofstream(path) << "{\"file_format_version\": \"1.0.0\", \"name\": \"" << fs::path(path).stem().string()
                        << "\", \"kinds\": [" << kinds << "], \"abi\": \"" << abi << "\", \"library_path\": \""
                        << library << "\"}";
}

TEST(PluginManifest, ReadsWhatLxdpAddPluginWrites) {
    PluginManifest m = readManifest(std::string(LXDP_BUILD_PLUGIN_DIR) + "/storage-dir.json");
    EXPECT_EQ(m.error, "");
    EXPECT_EQ(m.name, "storage-dir");
    EXPECT_EQ(m.kinds, std::vector<std::string>{"storage:dir"});
    EXPECT_EQ(m.abiMajor, unsigned{LXDP_ABI_MAJOR});
    EXPECT_EQ(m.abiMinor, unsigned{LXDP_ABI_MINOR});
    EXPECT_EQ(m.libraryPath, std::string(LXDP_BUILD_PLUGIN_DIR) + "/storage-dir.so");
}

TEST(PluginManifest, SaysWhyAFileIsNoManifest) {
    test::TempDir dir;
    std::ofstream(dir.path() + "/broken.json") << "{not json";
    writeManifest(dir.path() + "/badabi.json", "one", "x.so");
    std::ofstream(dir.path() + "/noname.json") << R"({"file_format_version": "1.0.0", "kinds": [], "abi": "1.0", "library_path": "x.so"})";
    std::ofstream(dir.path() + "/future.json") << R"({"file_format_version": "2.0.0"})";
    auto all = readManifests(dir.path());
    ASSERT_EQ(all.size(), 4u);
    for (const auto& m : all) EXPECT_NE(m.error, "") << m.path;
    EXPECT_EQ(all[0].error, "abi \"one\" is not MAJOR.MINOR");
    EXPECT_EQ(all[2].error, "file_format_version 2.0.0 is not 1.x");
    EXPECT_NE(all[3].error.find("name"), std::string::npos) << all[3].error;
    EXPECT_TRUE(readManifests(dir.path() + "/missing").empty());
}

class ManifestLoadTest : public ::testing::Test {
protected:
    void SetUp() override {
        fs::copy_file(std::string(LXDP_TEST_FIXTURE_DIR) + "/fixture-good.so", dir.path() + "/good.so");
    }
    test::TempDir dir;
    test::LogCapture log;
    HostServices host;
    PluginRegistry registry{host};
};

TEST_F(ManifestLoadTest, LogsTheManifestsItFindsAndLoadsTheirPlugins) {
    writeManifest(dir.path() + "/good.json", "1.0", "good.so");
    registry.loadAll({dir.path()});
    EXPECT_NE(log.find("plugin manifest " + dir.path() + "/good.json: good (storage:fixturefs), ABI 1.0",
                       Poco::Message::PRIO_INFORMATION),
              "");
    ASSERT_EQ(registry.reports().size(), 1u);
    EXPECT_TRUE(registry.reports()[0].ok);
    EXPECT_EQ(log.find("", Poco::Message::PRIO_WARNING), "");
}

TEST_F(ManifestLoadTest, RefusesAnotherMajorWithoutOpeningTheLibrary) {
    // Not an ELF file: opening it would fail with dlopen's message instead of the manifest's.
    std::ofstream(dir.path() + "/future.so") << "not a library";
    writeManifest(dir.path() + "/future.json", "2.3", "future.so");
    registry.loadAll({dir.path()});
    ASSERT_EQ(registry.reports().size(), 2u);
    const auto& r = registry.reports()[0];
    EXPECT_EQ(r.path, dir.path() + "/future.so");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.reason, "not loaded: its manifest future.json says ABI 2.3, this host speaks ABI 1");
    EXPECT_NE(log.find("plugin " + dir.path() + "/future.so: not loaded", Poco::Message::PRIO_ERROR), "");
    EXPECT_TRUE(registry.reports()[1].ok);  // good.so, without a manifest, loads as before
}

TEST_F(ManifestLoadTest, WarnsAboutManifestsThatDoNotMatch) {
    writeManifest(dir.path() + "/good.json", "1.0", "good.so", "\"storage:other\"");
    writeManifest(dir.path() + "/orphan.json", "1.0", "gone.so");
    std::ofstream(dir.path() + "/broken.json") << "{";
    registry.loadAll({dir.path()});
    EXPECT_TRUE(registry.reports().at(0).ok);
    EXPECT_NE(log.find("provides storage:fixturefs but its manifest " + dir.path() + "/good.json lists storage:other",
                       Poco::Message::PRIO_WARNING),
              "");
    EXPECT_NE(log.find("orphan.json names " + dir.path() + "/gone.so, which is not a library in",
                       Poco::Message::PRIO_WARNING),
              "");
    EXPECT_NE(log.find("plugin manifest " + dir.path() + "/broken.json is ignored", Poco::Message::PRIO_WARNING), "");
}

}  // namespace
}  // namespace lxdp::plugins
