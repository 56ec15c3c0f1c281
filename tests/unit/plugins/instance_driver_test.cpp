// The InstanceDriver adapter against fixture-instance.so (tests/fixtures/fixture_instance.c).
#include <gtest/gtest.h>

#include <cstring>

#include "plugin_test_support.h"
#include "plugins/HostServices.h"
#include "plugins/InstanceDriver.h"
#include "plugins/PluginError.h"
#include "plugins/PluginRegistry.h"

namespace lxdp::plugins {
namespace {

class InstanceDriverTest : public ::testing::Test {
protected:
    void SetUp() override {
        registry.loadAll({LXDP_TEST_FIXTURE_DIR});
        driver = registry.instanceDriver("fixture-ct");
        ASSERT_NE(driver, nullptr);
        ref.name = "c1";
        ref.volumePath = "/nowhere";
        ref.devices = {{"root", {{"type", "disk"}, {"path", "/"}}}, {"eth0", {{"type", "nic"}}}};
    }

    HostServices host;
    PluginRegistry registry{host};
    const InstanceDriver* driver = nullptr;
    InstanceRef ref;
};

TEST_F(InstanceDriverTest, DescribesItself) {
    EXPECT_TRUE(driver->usable());
    EXPECT_EQ(driver->type(), LXDP_INSTANCE_CONTAINER);
    EXPECT_EQ(driver->version(), "fixture");
    EXPECT_EQ(registry.instanceDrivers(), std::vector<const InstanceDriver*>{driver});
}

TEST_F(InstanceDriverTest, CreateReturnsVolatileKeys) {
    auto keys = driver->create(ref, nullptr);
    EXPECT_EQ(keys.at("volatile.fixture.name"), "c1");
    EXPECT_EQ(keys.at("volatile.fixture.device"), "root");  // devices arrive (sorted by name), the last wins
}

TEST_F(InstanceDriverTest, StateMirrorsTheAbiStruct) {
    InstanceState st = driver->state(ref);
    EXPECT_EQ(st.status, LXDP_STATE_RUNNING);
    EXPECT_EQ(st.pid, 42);
    EXPECT_EQ(st.processes, -1);  // the host's "unknown" default, untouched by the driver
}

TEST_F(InstanceDriverTest, ErrorsMapToHttpStatuses) {
    try {
        driver->stop(ref, false, 30, nullptr);
        FAIL();
    } catch (const PluginError& e) {
        EXPECT_EQ(e.code(), LXDP_E_INSTANCE_NOT_RUNNING);
        EXPECT_EQ(e.status(), 400);
        EXPECT_STREQ(e.what(), "instance c1 isn't running");
    }
    try {
        driver->freeze(ref);
        FAIL();
    } catch (const PluginError& e) {
        EXPECT_EQ(e.code(), LXDP_E_NOTSUP);
        EXPECT_STREQ(e.what(), "fixture-ct does not support freeze");
    }
    try {
        driver->fileGet(ref, "/missing", [](const char*, size_t) { return true; }, nullptr);
        FAIL();
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status(), 404);
    }
}

TEST_F(InstanceDriverTest, FilesGoBothWays) {
    std::vector<std::string> names;
    FileInfo dir = driver->fileGet(ref, "/dir", [](const char*, size_t) { return true; }, &names);
    EXPECT_EQ(dir.type, LXDP_FILE_DIRECTORY);
    EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));

    std::string content;
    FileInfo file = driver->fileGet(ref, "/file", [&](const char* d, size_t n) { return content.append(d, n), true; },
                                    nullptr);
    EXPECT_EQ(content, "hello");
    EXPECT_EQ(file.size, 5);
    EXPECT_EQ(file.mode, 0644);

    std::string body = "written";
    size_t offset = 0;
    driver->filePut(ref, "/put", FileInfo{}, [&](char* buf, size_t len) -> int64_t {
        size_t n = std::min(len, body.size() - offset);
        std::memcpy(buf, body.data() + offset, n);
        offset += n;
        return static_cast<int64_t>(n);
    });
    content.clear();
    driver->fileGet(ref, "/put", [&](const char* d, size_t n) { return content.append(d, n), true; }, nullptr);
    EXPECT_EQ(content, "written");
}

TEST_F(InstanceDriverTest, CallbackExceptionsComeBackUnchanged) {
    try {
        driver->filePut(ref, "/put", FileInfo{}, [](char*, size_t) -> int64_t { throw ApiError(413, "too large"); });
        FAIL();
    } catch (const PluginError&) {
        FAIL() << "the callback's own exception must come back";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status(), 413);
    }
    EXPECT_THROW(driver->fileGet(ref, "/file", [](const char*, size_t) -> bool { throw std::runtime_error("gone"); },
                                 nullptr),
                 std::runtime_error);
}

}  // namespace
}  // namespace lxdp::plugins
