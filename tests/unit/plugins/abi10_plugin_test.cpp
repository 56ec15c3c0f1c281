// A plugin built against the frozen SDK 1.0 headers (tests/abi/abi10_plugin.c) loads in this host
// and every call through the storage and instance adapters reaches it with its inputs intact.
// This keeps passing for every later 1.x host, or the ABI broke.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <functional>

#include "plugin_test_support.h"
#include "plugins/HostServices.h"
#include "plugins/InstanceDriver.h"
#include "plugins/PluginError.h"
#include "plugins/PluginRegistry.h"
#include "plugins/StorageDriver.h"

namespace lxdp::plugins {
namespace {

const std::string kPlugin = LXDP_TEST_ABI10_PLUGIN;

VolumeRef volume(const std::string& name, StringMap config = {}) {
    VolumeRef v;
    v.type = LXDP_VOLUME_CUSTOM;
    v.project = "p1";
    v.name = name;
    v.config = std::move(config);
    return v;
}

template <class Call>
lxdp_status refusal(Call&& call) {
    try {
        call();
    } catch (const PluginError& e) {
        return e.code();
    }
    return LXDP_OK;
}

class Abi10PluginTest : public ::testing::Test {
protected:
    void SetUp() override {
        host.setConfigLookup([](const std::string& key) -> std::optional<std::string> {
            if (key == LXDP_HOST_KEY_VAR_DIR) return "/var/lib/abi10";
            return std::nullopt;
        });
        registry.load(kPlugin);
        ASSERT_EQ(registry.reports().size(), 1u);
        ASSERT_TRUE(registry.reports().front().ok) << registry.reports().front().reason;
    }

    test::LogCapture log;
    HostServices host;
    PluginRegistry registry{host};
};

TEST_F(Abi10PluginTest, LoadsWithItsDescription) {
    const auto& r = registry.reports().front();
    EXPECT_EQ(r.name, "abi10-fixture");
    EXPECT_EQ(r.version, "1.0.0");
    EXPECT_EQ(r.abiMajor, 1u);
    EXPECT_EQ(r.abiMinor, 0u);
    EXPECT_EQ(r.minHostMinor, 0u);
    EXPECT_EQ(r.drivers, (std::vector<std::string>{"storage:abi10fs", "instance:abi10-ct"}));
    EXPECT_NE(log.find("abi10fs probed by a host of ABI 1.x"), "");
}

TEST_F(Abi10PluginTest, StorageCallsCrossWithTheirArguments) {
    const StorageDriver* d = registry.storageDriver("abi10fs");
    ASSERT_NE(d, nullptr);
    EXPECT_TRUE(d->usable()) << d->probeError();
    EXPECT_EQ(d->version(), "abi-1.0");
    EXPECT_EQ(d->flags(), uint32_t{LXDP_STORAGE_FAST_SNAPSHOTS | LXDP_STORAGE_QUOTAS});

    d->validatePool({{"abi10.tag", "t"}});
    EXPECT_EQ(refusal([&] { d->validatePool({{"bogus", "1"}}); }), LXDP_E_INVAL);

    auto pool = d->openPool("pool1", {{"abi10.tag", "blue"}});
    EXPECT_EQ(pool->create(), (StringMap{{"abi10.created", "pool1"}, {"abi10.tag.seen", "blue"}}));
    pool->mount();

    std::string filledAt;
    StoragePool::Filler filler = [&](const std::string& path) { filledAt = path; };
    pool->createVolume(volume("v1", {{"size", "100"}}), &filler, nullptr);
    EXPECT_EQ(filledAt, "abi10:pool1/p1/type2/content0/v1");
    EXPECT_EQ(refusal([&] { pool->createVolume(volume("v1"), nullptr, nullptr); }), LXDP_E_EXISTS);
    VolumeRef block = volume("b1");
    block.content = LXDP_CONTENT_BLOCK;
    EXPECT_EQ(refusal([&] { pool->createVolume(block, nullptr, nullptr); }), LXDP_E_NOTSUP);

    EXPECT_EQ(pool->mountVolume(volume("v1")), "abi10:pool1/p1/type2/content0/v1");
    EXPECT_EQ(pool->volumeUsage(volume("v1")), 100u);
    pool->setVolumeSize(volume("v1"), "300");
    EXPECT_EQ(pool->volumeUsage(volume("v1")), 300u);
    EXPECT_EQ(refusal([&] { pool->setVolumeSize(volume("v1"), "200"); }), LXDP_E_STORAGE_CANNOT_SHRINK);

    pool->snapshotVolume(volume("v1/s0"), nullptr);
    pool->setVolumeSize(volume("v1"), "400");
    pool->restoreVolume(volume("v1"), volume("v1/s0"), nullptr);
    EXPECT_EQ(pool->volumeUsage(volume("v1")), 300u);
    pool->copyVolume(volume("v2"), volume("v1/s0"), nullptr);
    EXPECT_EQ(pool->volumeUsage(volume("v2")), 300u);

    pool->renameVolume(volume("v1/s0"), "s1");
    pool->renameVolume(volume("v1"), "v3");
    EXPECT_EQ(pool->mountVolume(volume("v3/s1")), "abi10:pool1/p1/type2/content0/v3/s1");
    EXPECT_EQ(refusal([&] { pool->mountVolume(volume("v1")); }), LXDP_E_NOTFOUND);
    pool->unmountVolume(volume("v3"));

    auto [used, total] = pool->usage();
    EXPECT_EQ(used, 3u * 4096);  // v2, v3, v3/s1
    EXPECT_EQ(total, 1u << 20);
    EXPECT_EQ(refusal([&] { pool->remove(); }), LXDP_E_BUSY);
    pool->deleteVolume(volume("v3"), nullptr);
    pool->deleteVolume(volume("v2"), nullptr);
    EXPECT_EQ(refusal([&] { pool->mountVolume(volume("v3/s1")); }), LXDP_E_NOTFOUND);
    pool->unmount();
    pool->remove();
}

// Its table ends before volume_list (@since 1.1): the host never reads past it and says so.
TEST_F(Abi10PluginTest, VolumeListOfA10TableIsNotSupported) {
    auto pool = registry.storageDriver("abi10fs")->openPool("pool2", {});
    pool->create();
    try {
        pool->listVolumes();
        FAIL() << "listVolumes on a 1.0 driver succeeded";
    } catch (const PluginError& e) {
        EXPECT_EQ(e.code(), LXDP_E_NOTSUP);
        EXPECT_NE(std::string(e.what()).find("cannot list volumes"), std::string::npos) << e.what();
    }
    pool->remove();
}

// Its table ends before device_add (@since 1.2): a device change on a running instance is
// refused by name, never a read past the table (device_update's neither).
TEST_F(Abi10PluginTest, HotPlugOfA10TableIsNotSupported) {
    const InstanceDriver* d = registry.instanceDriver("abi10-ct");
    ASSERT_NE(d, nullptr);
    EXPECT_FALSE(d->canHotPlug());
    InstanceRef ref;
    ref.name = "c1";
    ref.devices = {{"eth1", {{"type", "nic"}, {"nictype", "p2p"}}}};
    for (auto call : {std::function<void()>([&] { d->deviceAdd(ref, "eth1"); }),
                      std::function<void()>([&] { d->deviceRemove(ref, "eth1"); })}) {
        try {
            call();
            FAIL() << "hot-plug on a 1.0 driver succeeded";
        } catch (const PluginError& e) {
            EXPECT_EQ(e.code(), LXDP_E_NOTSUP);
            EXPECT_NE(std::string(e.what()).find("hot-plug not supported by this driver"), std::string::npos) << e.what();
        }
    }
    // Nor before device_update (@since 1.5): a change is left to removal and addition.
    EXPECT_FALSE(d->deviceUpdate(ref, ref, "eth1"));
}

// Its table ends before terminal_open (@since 1.4): interactive exec falls back to a host pty.
TEST_F(Abi10PluginTest, TerminalOfA10TableIsTheHosts) {
    const InstanceDriver* d = registry.instanceDriver("abi10-ct");
    ASSERT_NE(d, nullptr);
    InstanceRef ref;
    ref.name = "c1";
    EXPECT_FALSE(d->openTerminal(ref).has_value());
}

// Its table ends before features (@since 1.6): the driver reports none, nothing is read past it.
TEST_F(Abi10PluginTest, FeaturesOfA10TableAreNone) {
    const InstanceDriver* d = registry.instanceDriver("abi10-ct");
    ASSERT_NE(d, nullptr);
    EXPECT_TRUE(d->features().empty());
}

TEST_F(Abi10PluginTest, InstanceCallsCrossWithTheirArguments) {
    const InstanceDriver* d = registry.instanceDriver("abi10-ct");
    ASSERT_NE(d, nullptr);
    EXPECT_TRUE(d->usable()) << d->probeError();
    EXPECT_EQ(d->version(), "abi-1.0");
    EXPECT_EQ(d->type(), LXDP_INSTANCE_CONTAINER);

    InstanceRef ref;
    ref.project = "p1";
    ref.name = "c1";
    ref.volumePath = "/vol/c1";
    ref.config = {{"limits.cpu", "2"}};
    ref.devices = {{"eth0", {{"type", "nic"}}}, {"root", {{"type", "disk"}, {"path", "/"}}}};
    d->validate(ref);
    InstanceRef bad = ref;
    bad.config["abi10.reject"] = "yes";
    EXPECT_EQ(refusal([&] { d->validate(bad); }), LXDP_E_INVAL);

    EXPECT_EQ(d->create(ref, nullptr), (StringMap{{"volatile.abi10.seen", "type0 p1/c1 at /vol/c1"},
                                                  {"volatile.abi10.cpu", "2"},
                                                  {"volatile.abi10.eth0", "nic"},
                                                  {"volatile.abi10.root", "disk"}}));
    EXPECT_EQ(d->state(ref).status, LXDP_STATE_STOPPED);
    EXPECT_TRUE(d->interfaces(ref).empty());
    EXPECT_EQ(d->start(ref, nullptr), (StringMap{{"volatile.abi10.var_dir", "/var/lib/abi10"}}));
    EXPECT_EQ(refusal([&] { d->start(ref, nullptr); }), LXDP_E_INSTANCE_RUNNING);

    InstanceState st = d->state(ref);
    EXPECT_EQ(st.status, LXDP_STATE_RUNNING);
    EXPECT_EQ(st.pid, 4242);
    EXPECT_EQ(st.processes, 3);
    EXPECT_EQ(st.memoryUsage, 1 << 20);
    EXPECT_EQ(st.memoryUsagePeak, 2 << 20);
    EXPECT_EQ(st.cpuUsageNs, 1000);

    auto ifaces = d->interfaces(ref);
    ASSERT_EQ(ifaces.size(), 1u);
    EXPECT_EQ(ifaces[0].name, "eth0");
    EXPECT_EQ(ifaces[0].hwaddr, "00:16:3e:00:00:10");
    EXPECT_EQ(ifaces[0].hostName, "vethabi10");
    EXPECT_EQ(ifaces[0].state, "up");
    EXPECT_EQ(ifaces[0].type, "broadcast");
    EXPECT_EQ(ifaces[0].mtu, 1500u);
    EXPECT_EQ(ifaces[0].bytesReceived + ifaces[0].bytesSent + ifaces[0].packetsReceived + ifaces[0].packetsSent, 10u);
    ASSERT_EQ(ifaces[0].addresses.size(), 1u);
    EXPECT_EQ(ifaces[0].addresses[0].address, "198.19.10.2");
    EXPECT_EQ(ifaces[0].addresses[0].netmask, "24");

    d->freeze(ref);
    EXPECT_EQ(d->state(ref).status, LXDP_STATE_FROZEN);
    d->unfreeze(ref);
    EXPECT_EQ(refusal([&] { d->stop(ref, false, 0, nullptr); }), LXDP_E_BUSY);
    d->stop(ref, true, -1, nullptr);
    EXPECT_EQ(refusal([&] { d->stop(ref, true, -1, nullptr); }), LXDP_E_INSTANCE_NOT_RUNNING);
    d->rename(ref, "c2");
    ref.name = "c2";
    EXPECT_EQ(d->state(ref).status, LXDP_STATE_STOPPED);
    d->remove(ref);
    EXPECT_EQ(refusal([&] { d->state(ref); }), LXDP_E_NOTFOUND);
}

TEST_F(Abi10PluginTest, ExecRunsThroughTheHostAndFilesGoBothWays) {
    const InstanceDriver* d = registry.instanceDriver("abi10-ct");
    ASSERT_NE(d, nullptr);
    InstanceRef ref;
    ref.name = "c1";
    d->create(ref, nullptr);
    d->start(ref, nullptr);

    int out[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    ExecSpec spec;
    spec.argv = {"sh", "-c", "echo ran; exit 3"};
    spec.env = {"HOME=/root"};
    spec.cwd = "/tmp";
    spec.uid = 1;
    spec.gid = 2;
    spec.stdinFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    spec.stdoutFd = out[1];
    spec.stderrFd = out[1];
    auto process = d->exec(ref, spec);
    EXPECT_EQ(process->wait(), 3);
    auto signalled = d->exec(ref, spec);
    signalled->signal(9);
    EXPECT_EQ(signalled->wait(), 137);
    process.reset();
    signalled.reset();
    ::close(spec.stdinFd);
    ::close(out[1]);
    std::string text;
    char buf[256];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    ::close(out[0]);
    EXPECT_EQ(text,
              "uid=1 gid=2 cwd=/tmp env=HOME=/root stdin=1 stderr=1\nran\n"
              "uid=1 gid=2 cwd=/tmp env=HOME=/root stdin=1 stderr=1\n");

    FileInfo info;
    info.mode = 0600;
    info.uid = 1000;
    info.gid = 1001;
    std::string body = "hello";
    size_t offset = 0;
    auto source = [&](char* buf, size_t len) -> int64_t {
        size_t n = std::min(len, body.size() - offset);
        std::memcpy(buf, body.data() + offset, n);
        offset += n;
        return static_cast<int64_t>(n);
    };
    d->filePut(ref, "/greeting", info, source);
    info.writeMode = LXDP_FILE_WRITE_APPEND;
    body = " again";
    offset = 0;
    d->filePut(ref, "/greeting", info, source);

    std::string content;
    FileInfo got = d->fileGet(ref, "/greeting", [&](const char* p, size_t n) { return content.append(p, n), true; },
                              nullptr);
    EXPECT_EQ(content, "hello again");
    EXPECT_EQ(got.type, LXDP_FILE_REGULAR);
    EXPECT_EQ(got.mode, 0600);
    EXPECT_EQ(got.uid, 1000);
    EXPECT_EQ(got.gid, 1001);
    EXPECT_EQ(got.size, 11);
    EXPECT_EQ(got.mtime, 1700000000);
    std::vector<std::string> names;
    EXPECT_EQ(d->fileGet(ref, "/", [](const char*, size_t) { return true; }, &names).type, LXDP_FILE_DIRECTORY);
    EXPECT_EQ(names, std::vector<std::string>{"greeting"});
    d->fileDelete(ref, "/greeting");
    EXPECT_THROW(d->fileGet(ref, "/greeting", [](const char*, size_t) { return true; }, nullptr), ApiError);
    d->stop(ref, true, -1, nullptr);
    d->remove(ref);
}

}  // namespace
}  // namespace lxdp::plugins
