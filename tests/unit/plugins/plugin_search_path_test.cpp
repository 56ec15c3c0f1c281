#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>

#include "plugin_test_support.h"
#include "plugins/PluginRegistry.h"

namespace lxdp::plugins {
namespace {

class PluginSearchPathTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (const char* v = ::getenv("LXD_PLUGIN_PATH")) saved_ = v;
        ::unsetenv("LXD_PLUGIN_PATH");
    }
    void TearDown() override {
        if (saved_) ::setenv("LXD_PLUGIN_PATH", saved_->c_str(), 1);
        else ::unsetenv("LXD_PLUGIN_PATH");
    }
    std::optional<std::string> saved_;
};

TEST_F(PluginSearchPathTest, EnvironmentWins) {
    test::TempDir build;
    std::filesystem::create_directories(build.path() + "/plugins");
    ::setenv("LXD_PLUGIN_PATH", "/opt/a::/opt/b", 1);
    EXPECT_EQ(pluginSearchPath(build.path() + "/host/lxd"), (std::vector<std::string>{"/opt/a", "/opt/b"}));
}

TEST_F(PluginSearchPathTest, BuildTreeNextToTheExecutable) {
    test::TempDir build;
    std::filesystem::create_directories(build.path() + "/host");
    std::filesystem::create_directories(build.path() + "/plugins");
    EXPECT_EQ(pluginSearchPath(build.path() + "/host/lxd"), (std::vector<std::string>{build.path() + "/plugins"}));
}

TEST_F(PluginSearchPathTest, InstallDirOtherwise) {
    test::TempDir installed;
    auto dirs = pluginSearchPath(installed.path() + "/bin/lxd");
    ASSERT_EQ(dirs.size(), 1u);
    EXPECT_EQ(std::filesystem::path(dirs[0]).filename(), "abi1");  // the ABI major is part of the path
    EXPECT_TRUE(std::filesystem::path(dirs[0]).is_absolute());
}

}  // namespace
}  // namespace lxdp::plugins
