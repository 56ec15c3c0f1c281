// The dir plugin, loaded from the build tree and driven through the host adapter.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "plugin_test_support.h"
#include "plugins/HostServices.h"
#include "plugins/PluginError.h"
#include "plugins/PluginRegistry.h"
#include "plugins/StorageDriver.h"

namespace lxdp::plugins {
namespace {

namespace fs = std::filesystem;

void writeFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct stat lstatOf(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st;
}

mode_t modeOf(const std::string& path) { return lstatOf(path).st_mode & 07777; }

VolumeRef container(const std::string& name, const std::string& project = "default") {
    VolumeRef v;
    v.type = LXDP_VOLUME_CONTAINER;
    v.project = project;
    v.name = name;
    return v;
}

// The status a call fails with, or 0.
template <class F>
int statusOf(F&& f) {
    try {
        f();
        return 0;
    } catch (const ApiError& e) {
        return e.status();
    }
}

class StorageDirTest : public ::testing::Test {
protected:
    void SetUp() override {
        host.setConfigLookup([this](const std::string& key) -> std::optional<std::string> {
            if (key == LXDP_HOST_KEY_VAR_DIR) return varDir.path();
            return std::nullopt;
        });
        registry.loadAll({LXDP_BUILD_PLUGIN_DIR});
        driver = registry.storageDriver("dir");
        ASSERT_NE(driver, nullptr);
    }

    // A created, mounted pool and where it lives.
    std::unique_ptr<StoragePool> createPool(const std::string& name, const StringMap& config = {}) {
        driver->validatePool(config);
        auto pool = driver->openPool(name, config);
        source = pool->create().at("source");
        pool->mount();
        return pool;
    }

    test::TempDir varDir;
    HostServices host;
    PluginRegistry registry{host};
    const StorageDriver* driver = nullptr;
    std::string source;
};

TEST_F(StorageDirTest, PoolInVarDirWithUpstreamLayout) {
    auto pool = createPool("p1");
    EXPECT_EQ(source, varDir.path() + "/storage-pools/p1");
    EXPECT_EQ(modeOf(source), 0711u);
    EXPECT_EQ(modeOf(source + "/containers"), 0711u);
    EXPECT_EQ(modeOf(source + "/containers-snapshots"), 0700u);
    EXPECT_EQ(modeOf(source + "/images"), 0700u);
    EXPECT_EQ(modeOf(source + "/custom"), 0711u);
    auto [used, total] = pool->usage();
    EXPECT_GT(total, 0u);
    EXPECT_LE(used, total);
    pool->unmount();
    pool->remove();
    EXPECT_FALSE(fs::exists(source));
}

TEST_F(StorageDirTest, ValidateKnowsItsKeys) {
    EXPECT_EQ(statusOf([&] { driver->validatePool({{"source", "/srv/p"}, {"rsync.bwlimit", "10M"}, {"user.x", "y"}}); }),
              0);
    try {
        driver->validatePool({{"dir.frobnicate", "1"}});
        FAIL();
    } catch (const PluginError& e) {
        EXPECT_EQ(e.code(), LXDP_E_INVAL);
        EXPECT_NE(std::string(e.what()).find("dir.frobnicate"), std::string::npos);
    }
    EXPECT_EQ(statusOf([&] { driver->validatePool({{"size", "10GiB"}}); }), 400);
    EXPECT_EQ(statusOf([&] { driver->validatePool({{"source", "relative/dir"}}); }), 400);
}

TEST_F(StorageDirTest, VolumeCreatedAndFilled) {
    auto pool = createPool("p1");
    StoragePool::Filler filler = [](const std::string& path) { writeFile(path + "/hello", "world"); };
    pool->createVolume(container("c1"), &filler, nullptr);
    const std::string path = pool->mountVolume(container("c1"));
    EXPECT_EQ(path, source + "/containers/c1");
    EXPECT_EQ(modeOf(path), 0100u);  // upstream's mountpoint mode: no host user reaches rootfs/
    EXPECT_EQ(readFile(path + "/hello"), "world");
    EXPECT_GT(pool->volumeUsage(container("c1")), 0u);
    EXPECT_EQ(statusOf([&] { pool->createVolume(container("c1"), nullptr, nullptr); }), 409);
    pool->unmountVolume(container("c1"));

    pool->createVolume(container("c1", "prod"), nullptr, nullptr);
    EXPECT_TRUE(fs::is_directory(source + "/containers/prod_c1"));
    VolumeRef custom{LXDP_VOLUME_CUSTOM, LXDP_CONTENT_FILESYSTEM, "default", "data", {}};
    pool->createVolume(custom, nullptr, nullptr);
    EXPECT_EQ(pool->mountVolume(custom), source + "/custom/default_data");
    EXPECT_EQ(modeOf(source + "/custom/default_data"), 0700u);
}

TEST_F(StorageDirTest, FillerExceptionComesBackUnchangedAndNothingStays) {
    auto pool = createPool("p1");
    StoragePool::Filler filler = [](const std::string& path) {
        writeFile(path + "/partial", "x");
        throw ApiError(415, "image is corrupt");
    };
    try {
        pool->createVolume(container("c1"), &filler, nullptr);
        FAIL();
    } catch (const PluginError&) {
        FAIL() << "the filler's own exception must come back, not a PluginError";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status(), 415);
        EXPECT_STREQ(e.what(), "image is corrupt");
    }
    EXPECT_FALSE(fs::exists(source + "/containers/c1"));
}

TEST_F(StorageDirTest, CopyPreservesOwnersModesLinksAndTimes) {
    auto pool = createPool("p1");
    bool xattrs = false, devices = false;
    StoragePool::Filler filler = [&](const std::string& root) {
        fs::create_directories(root + "/rootfs/etc");
        writeFile(root + "/rootfs/etc/hostname", "c1\n");
        ASSERT_EQ(::chown((root + "/rootfs/etc/hostname").c_str(), 1000, 1001), 0);
        ASSERT_EQ(::chmod((root + "/rootfs/etc/hostname").c_str(), 0640), 0);
        ASSERT_EQ(::chmod((root + "/rootfs/etc").c_str(), 0750), 0);
        ASSERT_EQ(::symlink("/etc/hostname", (root + "/rootfs/link").c_str()), 0);
        ASSERT_EQ(::lchown((root + "/rootfs/link").c_str(), 1000, 1000), 0);
        ASSERT_EQ(::link((root + "/rootfs/etc/hostname").c_str(), (root + "/rootfs/hardlink").c_str()), 0);
        ASSERT_EQ(::mkfifo((root + "/rootfs/fifo").c_str(), 0600), 0);
        devices = ::mknod((root + "/rootfs/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0;
        xattrs = ::setxattr((root + "/rootfs/etc/hostname").c_str(), "user.lxdp", "yes", 3, 0) == 0;
        timespec old[2] = {{1000000, 0}, {1000000, 0}};
        ASSERT_EQ(::utimensat(AT_FDCWD, (root + "/rootfs/etc/hostname").c_str(), old, 0), 0);
    };
    pool->createVolume(container("c1"), &filler, nullptr);
    pool->copyVolume(container("c2"), container("c1"), nullptr);

    const std::string c2 = source + "/containers/c2/rootfs";
    EXPECT_EQ(readFile(c2 + "/etc/hostname"), "c1\n");
    auto st = lstatOf(c2 + "/etc/hostname");
    EXPECT_EQ(st.st_uid, 1000u);
    EXPECT_EQ(st.st_gid, 1001u);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    EXPECT_EQ(st.st_mtim.tv_sec, 1000000);
    EXPECT_EQ(st.st_nlink, 2u);
    EXPECT_EQ(lstatOf(c2 + "/hardlink").st_ino, st.st_ino);
    EXPECT_EQ(modeOf(c2 + "/etc"), 0750u);
    EXPECT_EQ(modeOf(source + "/containers/c2"), 0100u);
    ASSERT_TRUE(S_ISLNK(lstatOf(c2 + "/link").st_mode));
    EXPECT_EQ(fs::read_symlink(c2 + "/link"), "/etc/hostname");  // copied as a link, never followed
    EXPECT_EQ(lstatOf(c2 + "/link").st_uid, 1000u);
    EXPECT_TRUE(S_ISFIFO(lstatOf(c2 + "/fifo").st_mode));
    if (devices) {
        EXPECT_EQ(lstatOf(c2 + "/null").st_rdev, makedev(1, 3));
    }
    if (xattrs) {
        char value[8] = {};
        EXPECT_EQ(::getxattr((c2 + "/etc/hostname").c_str(), "user.lxdp", value, sizeof value), 3);
        EXPECT_STREQ(value, "yes");
    }
    EXPECT_EQ(statusOf([&] { pool->copyVolume(container("c2"), container("c1"), nullptr); }), 409);
    EXPECT_EQ(statusOf([&] { pool->copyVolume(container("c3"), container("nope"), nullptr); }), 404);
}

TEST_F(StorageDirTest, SnapshotAndRestore) {
    auto pool = createPool("p1");
    StoragePool::Filler filler = [](const std::string& path) { writeFile(path + "/a", "1"); };
    pool->createVolume(container("c1"), &filler, nullptr);
    pool->snapshotVolume(container("c1/snap0"), nullptr);
    EXPECT_EQ(readFile(source + "/containers-snapshots/c1/snap0/a"), "1");
    EXPECT_EQ(pool->mountVolume(container("c1/snap0")), source + "/containers-snapshots/c1/snap0");

    const std::string path = pool->mountVolume(container("c1"));
    writeFile(path + "/a", "2");
    writeFile(path + "/b", "new");
    pool->restoreVolume(container("c1"), container("c1/snap0"), nullptr);
    EXPECT_EQ(readFile(path + "/a"), "1");
    EXPECT_FALSE(fs::exists(path + "/b"));
    EXPECT_EQ(readFile(source + "/containers-snapshots/c1/snap0/a"), "1");  // the snapshot stays
    EXPECT_EQ(fs::directory_iterator(source + "/containers") != fs::directory_iterator(), true);
    for (const auto& e : fs::directory_iterator(source + "/containers"))
        EXPECT_EQ(e.path().filename(), "c1") << "a restore leaves no temporary behind";

    EXPECT_EQ(statusOf([&] { pool->snapshotVolume(container("c1/snap0"), nullptr); }), 409);
    EXPECT_EQ(statusOf([&] { pool->snapshotVolume(container("c1"), nullptr); }), 400);
}

TEST_F(StorageDirTest, CopyWithSnapshotsAndFromSnapshot) {
    auto pool = createPool("p1");
    StoragePool::Filler filler = [](const std::string& path) { writeFile(path + "/a", "1"); };
    pool->createVolume(container("c1"), &filler, nullptr);
    pool->snapshotVolume(container("c1/snap0"), nullptr);
    writeFile(pool->mountVolume(container("c1")) + "/a", "2");

    // A copy from a snapshot is a plain volume with the snapshot's content.
    pool->copyVolume(container("c2"), container("c1/snap0"), nullptr);
    EXPECT_EQ(readFile(source + "/containers/c2/a"), "1");
    // A snapshot of the copy made from the source's snapshot, not from the copy itself.
    pool->copyVolume(container("c3"), container("c1"), nullptr);
    pool->copyVolume(container("c3/snap0"), container("c1/snap0"), nullptr);
    EXPECT_EQ(readFile(source + "/containers/c3/a"), "2");
    EXPECT_EQ(readFile(source + "/containers-snapshots/c3/snap0/a"), "1");
    EXPECT_EQ(statusOf([&] { pool->copyVolume(container("c3/snap0"), container("c1"), nullptr); }), 409);
    // Never a snapshot without its volume.
    EXPECT_EQ(statusOf([&] { pool->copyVolume(container("c4/snap0"), container("c1/snap0"), nullptr); }), 404);
    EXPECT_FALSE(fs::exists(source + "/containers-snapshots/c4"));
}

TEST_F(StorageDirTest, RenameTakesSnapshotsAlong) {
    auto pool = createPool("p1");
    pool->createVolume(container("c1"), nullptr, nullptr);
    pool->snapshotVolume(container("c1/snap0"), nullptr);
    pool->renameVolume(container("c1"), "c9");
    EXPECT_TRUE(fs::is_directory(source + "/containers/c9"));
    EXPECT_TRUE(fs::is_directory(source + "/containers-snapshots/c9/snap0"));
    EXPECT_FALSE(fs::exists(source + "/containers/c1"));
    pool->renameVolume(container("c9/snap0"), "snap1");
    EXPECT_TRUE(fs::is_directory(source + "/containers-snapshots/c9/snap1"));
}

TEST_F(StorageDirTest, DeleteLeavesNothing) {
    auto pool = createPool("p1");
    StoragePool::Filler filler = [](const std::string& path) {
        fs::create_directories(path + "/rootfs/deep/er");
        writeFile(path + "/rootfs/deep/er/file", "x");
        // A link out of the volume: deleting must not follow it.
        ASSERT_EQ(::symlink("/etc", (path + "/rootfs/etc-link").c_str()), 0);
    };
    pool->createVolume(container("c1"), &filler, nullptr);
    pool->snapshotVolume(container("c1/snap0"), nullptr);
    EXPECT_EQ(statusOf([&] { pool->remove(); }), 409);  // still holds volumes

    pool->deleteVolume(container("c1/snap0"), nullptr);
    EXPECT_FALSE(fs::exists(source + "/containers-snapshots/c1"));
    pool->snapshotVolume(container("c1/snap1"), nullptr);
    pool->deleteVolume(container("c1"), nullptr);
    EXPECT_FALSE(fs::exists(source + "/containers/c1"));
    EXPECT_FALSE(fs::exists(source + "/containers-snapshots/c1"));
    EXPECT_TRUE(fs::exists("/etc/hostname") || fs::exists("/etc/passwd"));
    pool->deleteVolume(container("c1"), nullptr);  // idempotent
    pool->remove();
    EXPECT_FALSE(fs::exists(source));
}

TEST_F(StorageDirTest, SourcePoolIsReportedAndKept) {
    test::TempDir elsewhere;
    const std::string dir = elsewhere.path() + "/pool";
    auto pool = createPool("p2", {{"source", dir}});
    EXPECT_EQ(source, dir);
    EXPECT_TRUE(fs::is_directory(dir + "/containers"));
    pool->createVolume(container("c1"), nullptr, nullptr);
    EXPECT_EQ(pool->mountVolume(container("c1")), dir + "/containers/c1");
    pool->deleteVolume(container("c1"), nullptr);
    pool->remove();
    EXPECT_TRUE(fs::is_empty(dir)) << "a given source directory stays, emptied";
}

TEST_F(StorageDirTest, RefusesADirectoryAnotherPoolUses) {
    test::TempDir elsewhere;
    auto first = createPool("p1", {{"source", elsewhere.path()}});
    auto second = driver->openPool("p2", {{"source", elsewhere.path()}});
    try {
        second->create();
        FAIL();
    } catch (const PluginError& e) {
        EXPECT_EQ(e.code(), LXDP_E_INVAL);
        EXPECT_NE(std::string(e.what()).find("not an empty directory"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fs::is_directory(elsewhere.path() + "/containers")) << "the failed create took nothing away";
}

TEST_F(StorageDirTest, QuotasAreNotSupported) {
    auto pool = createPool("p1");
    pool->createVolume(container("c1"), nullptr, nullptr);
    pool->setVolumeSize(container("c1"), "");
    pool->setVolumeSize(container("c1"), "0");
    try {
        pool->setVolumeSize(container("c1"), "10GiB");
        FAIL();
    } catch (const PluginError& e) {
        EXPECT_EQ(e.code(), LXDP_E_NOTSUP);
        EXPECT_EQ(e.status(), 400);
    }
}

TEST_F(StorageDirTest, BlockVolumesAreSparseImagesThatGrowAndCopyWithTheirHoles) {
    auto pool = createPool("p1");
    VolumeRef block{LXDP_VOLUME_CUSTOM, LXDP_CONTENT_BLOCK, "default", "disk", {{"size", "16MiB"}}};
    pool->createVolume(block, nullptr, nullptr);
    const std::string image = source + "/custom/default_disk/root.img";
    EXPECT_EQ(lstatOf(image).st_size, 16 << 20);
    EXPECT_LT(lstatOf(image).st_blocks * 512, 1 << 20) << "the image is sparse";
    {
        std::fstream f(image, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(8 << 20);
        f << "data";
    }
    pool->setVolumeSize(block, "32MiB");
    EXPECT_EQ(lstatOf(image).st_size, 32 << 20);
    EXPECT_EQ(statusOf([&] { pool->setVolumeSize(block, "8MiB"); }), 400);
    EXPECT_EQ(lstatOf(image).st_size, 32 << 20) << "a refused shrink changes nothing";

    VolumeRef copy = block;
    copy.name = "disk2";
    pool->copyVolume(copy, block, nullptr);
    const std::string copied = source + "/custom/default_disk2/root.img";
    EXPECT_EQ(lstatOf(copied).st_size, 32 << 20);
    EXPECT_LT(lstatOf(copied).st_blocks * 512, 1 << 20) << "the copy keeps the holes";
    std::ifstream in(copied, std::ios::binary);
    in.seekg(8 << 20);
    std::string word(4, '\0');
    in.read(word.data(), 4);
    EXPECT_EQ(word, "data");

    VolumeRef unsized{LXDP_VOLUME_CUSTOM, LXDP_CONTENT_BLOCK, "default", "plain", {}};
    pool->createVolume(unsized, nullptr, nullptr);
    EXPECT_EQ(lstatOf(source + "/custom/default_plain/root.img").st_size, 10LL << 30) << "upstream's default";
}

TEST_F(StorageDirTest, NamesCannotEscapeThePool) {
    auto pool = createPool("p1");
    for (const char* name : {"../escape", "..", "a/b/c", "", "c1/"})
        EXPECT_EQ(statusOf([&] { pool->createVolume(container(name), nullptr, nullptr); }), 400) << name;
    EXPECT_EQ(statusOf([&] { pool->mountVolume(container("missing")); }), 404);
}

}  // namespace
}  // namespace lxdp::plugins
