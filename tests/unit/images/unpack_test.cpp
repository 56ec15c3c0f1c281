// unpackImage: faithful extraction of owners, modes and file types, and refusal of members
// that would land outside the destination.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>

#include "TarFixture.h"
#include "images/ImageArchive.h"

using namespace imagetest;
using lxdp::images::kOperationCancelled;
using lxdp::images::unpackImage;
namespace fs = std::filesystem;

namespace {

class UnpackTest : public TempDirTest {
protected:
    void unpack(const std::string& tarball) { unpackImage(tarball, dest.string(), nullptr, nullptr); }
    bool destIsEmpty() const { return fs::is_empty(dest); }
    struct stat lstatOf(const fs::path& p) const {
        struct stat st {};
        EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
        return st;
    }
};

TEST_F(UnpackTest, KeepsNumericOwnersModesAndFileTypes) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to restore owners and device nodes";
    Member owned = file("rootfs/home/user/file", "data", 0640);
    owned.uid = 1000;
    owned.gid = 1001;
    Member unnamed = file("rootfs/nobody-knows", "x");
    unnamed.uid = 1234567;  // no passwd entry anywhere: must be kept as a number
    unnamed.gid = 7654321;
    Member suid = file("rootfs/usr/bin/sudo", "elf", 04755);
    Member hard = Member{.name = "rootfs/bin/hard", .hardlink = "rootfs/bin/busybox"};
    Member null = Member{.name = "rootfs/dev/null", .type = AE_IFCHR, .perm = 0666, .devMajor = 1, .devMinor = 3};
    std::string p = path("img.tar.gz");
    writeTar(p, {file("metadata.yaml", kMetadata), dir("rootfs"), dir("rootfs/bin"), dir("rootfs/tmp", 01777),
                 file("rootfs/bin/busybox", "bb", 0755), symlinkTo("rootfs/bin/sh", "busybox"),
                 symlinkTo("rootfs/bin/abs", "/bin/busybox"), hard, dir("rootfs/home"), dir("rootfs/home/user", 0700),
                 owned, unnamed, dir("rootfs/usr"), dir("rootfs/usr/bin"), suid, dir("rootfs/dev"), null});
    unpack(p);

    fs::path r = dest / "rootfs";
    EXPECT_EQ(slurp(dest / "metadata.yaml"), kMetadata);
    auto st = lstatOf(r / "home/user/file");
    EXPECT_EQ(st.st_uid, 1000u);
    EXPECT_EQ(st.st_gid, 1001u);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    EXPECT_EQ(st.st_mtime, 1700000000);
    st = lstatOf(r / "nobody-knows");
    EXPECT_EQ(st.st_uid, 1234567u);
    EXPECT_EQ(st.st_gid, 7654321u);
    EXPECT_EQ(lstatOf(r / "usr/bin/sudo").st_mode & 07777, 04755u);
    EXPECT_EQ(lstatOf(r / "tmp").st_mode & 07777, 01777u);
    EXPECT_EQ(lstatOf(r / "home/user").st_mode & 07777, 0700u);
    EXPECT_TRUE(fs::is_symlink(r / "bin/sh"));
    EXPECT_EQ(fs::read_symlink(r / "bin/sh"), "busybox");
    EXPECT_EQ(fs::read_symlink(r / "bin/abs"), "/bin/busybox");
    EXPECT_EQ(lstatOf(r / "bin/hard").st_ino, lstatOf(r / "bin/busybox").st_ino);
    st = lstatOf(r / "dev/null");
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(major(st.st_rdev), 1u);
    EXPECT_EQ(minor(st.st_rdev), 3u);
}

TEST_F(UnpackTest, ReportsProgressUpToTheFileSize) {
    std::string p = path("img.tar");
    writeTar(p, {file("metadata.yaml", kMetadata), dir("rootfs"), file("rootfs/big", std::string(1 << 20, 'x'))},
             "none");
    uint64_t last = 0, total = 0;
    int calls = 0;
    unpackImage(p, dest.string(), [&](uint64_t d, uint64_t t) { EXPECT_GE(d, last); last = d; total = t; ++calls; },
                nullptr);
    EXPECT_EQ(total, fs::file_size(p));
    EXPECT_EQ(last, total);
    EXPECT_GT(calls, 2);
    EXPECT_EQ(fs::file_size(dest / "rootfs/big"), 1u << 20);
}

TEST_F(UnpackTest, CancellationStopsAndCleansUp) {
    std::string p = path("img.tar.gz");
    writeTar(p, {file("metadata.yaml", kMetadata), dir("rootfs"), file("rootfs/a", "a"), file("rootfs/b", "b")});
    int polls = 0;
    EXPECT_API_ERROR(unpackImage(p, dest.string(), nullptr, [&] { return ++polls > 2; }), 400, kOperationCancelled);
    EXPECT_TRUE(destIsEmpty());
}

TEST_F(UnpackTest, DotDotMemberIsRefused) {
    std::string p = path("evil.tar.gz");
    writeTar(p, {file("metadata.yaml", kMetadata), dir("rootfs"), file("rootfs/../../escape", "x")});
    EXPECT_API_ERROR(unpack(p), 400, "contains \"..\"");
    EXPECT_FALSE(fs::exists(tmp / "escape"));
    EXPECT_TRUE(destIsEmpty());
}

TEST_F(UnpackTest, AbsoluteMemberIsRefused) {
    std::string target = (tmp / "abs-escape").string();
    std::string p = path("evil.tar.gz");
    writeTar(p, {file("metadata.yaml", kMetadata), file(target, "x")});
    EXPECT_API_ERROR(unpack(p), 400, "absolute path");
    EXPECT_FALSE(fs::exists(target));
    EXPECT_TRUE(destIsEmpty());
}

TEST_F(UnpackTest, WritingThroughASymlinkedRootfsIsRefused) {
    fs::path outside = tmp / "outside";
    fs::create_directory(outside);
    std::string p = path("evil.tar.gz");
    writeTar(p, {file("metadata.yaml", kMetadata), symlinkTo("rootfs", outside.string()), file("rootfs/pwned", "x")});
    EXPECT_API_ERROR(unpack(p), 400, "rootfs/pwned");
    EXPECT_FALSE(fs::exists(outside / "pwned"));
    EXPECT_TRUE(destIsEmpty());
}

TEST_F(UnpackTest, SymlinkedTemplatesDirectoryIsRefused) {
    fs::path outside = tmp / "outside";
    fs::create_directory(outside);
    std::string p = path("evil.tar.gz");
    writeTar(p, {file("metadata.yaml", kMetadata), symlinkTo("templates", outside.string()),
                 file("templates/hosts.tpl", "x")});
    EXPECT_API_ERROR(unpack(p), 400, "templates/hosts.tpl");
    EXPECT_FALSE(fs::exists(outside / "hosts.tpl"));
    EXPECT_TRUE(destIsEmpty());
}

TEST_F(UnpackTest, HardlinkThroughASymlinkIsRefused) {
    fs::path outside = tmp / "outside";
    fs::create_directory(outside);
    std::ofstream(outside / "secret") << "secret";
    std::string p = path("evil.tar.gz");
    writeTar(p, {file("metadata.yaml", kMetadata), symlinkTo("out", outside.string()),
                 Member{.name = "stolen", .hardlink = "out/secret"}});
    EXPECT_THROW(unpack(p), lxdp::ApiError);
    EXPECT_TRUE(destIsEmpty());
    EXPECT_EQ(slurp(outside / "secret"), "secret");
}

TEST_F(UnpackTest, HardlinkTargetWithDotDotIsRefused) {
    std::string p = path("evil.tar.gz");
    writeTar(p, {file("metadata.yaml", kMetadata), Member{.name = "stolen", .hardlink = "../../etc/shadow"}});
    EXPECT_API_ERROR(unpack(p), 400, "contains \"..\"");
    EXPECT_TRUE(destIsEmpty());
}

TEST_F(UnpackTest, FileReplacingASymlinkNeverWritesItsTarget) {
    fs::path outside = tmp / "outside";
    fs::create_directory(outside);
    std::ofstream(outside / "passwd") << "original";
    std::string p = path("evil.tar.gz");
    writeTar(p, {file("metadata.yaml", kMetadata), dir("rootfs"), dir("rootfs/etc"),
                 symlinkTo("rootfs/etc/passwd", (outside / "passwd").string()), file("rootfs/etc/passwd", "pwned")});
    try {
        unpack(p);
        EXPECT_FALSE(fs::is_symlink(dest / "rootfs/etc/passwd"));
        EXPECT_EQ(slurp(dest / "rootfs/etc/passwd"), "pwned");
    } catch (const lxdp::ApiError&) {
        EXPECT_TRUE(destIsEmpty());
    }
    EXPECT_EQ(slurp(outside / "passwd"), "original");
}

TEST_F(UnpackTest, ArchiveRootMustBeADirectory) {
    std::string p = path("evil.tar.gz");
    writeTar(p, {symlinkTo("./", "/"), file("./etc/passwd", "x")});
    EXPECT_API_ERROR(unpack(p), 400, "must be a directory");
    EXPECT_TRUE(fs::is_directory(dest) && !fs::is_symlink(dest));
    EXPECT_TRUE(destIsEmpty());
}

TEST_F(UnpackTest, ArchiveRootDirectoryEntryIsAccepted) {
    std::string p = path("img.tar.gz");
    writeTar(p, {dir("./", 0755), file("./metadata.yaml", kMetadata), dir("./rootfs")});
    unpack(p);
    EXPECT_EQ(slurp(dest / "metadata.yaml"), kMetadata);
    EXPECT_TRUE(fs::is_directory(dest / "rootfs"));
}

TEST_F(UnpackTest, CorruptArchiveIsRefusedAndCleanedUp) {
    std::string p = path("img.tar");
    writeTar(p, {file("metadata.yaml", kMetadata), dir("rootfs"), file("rootfs/big", std::string(200000, 'x'))},
             "none");
    fs::resize_file(p, 100000);  // truncated in the middle of rootfs/big
    EXPECT_THROW(unpack(p), lxdp::ApiError);
    EXPECT_TRUE(destIsEmpty());
}

TEST_F(UnpackTest, NonEmptyOrMissingDestinationIsAnInternalError) {
    std::string p = path("img.tar.gz");
    writeTar(p, {file("metadata.yaml", kMetadata)});
    std::ofstream(dest / "keep") << "mine";
    EXPECT_API_ERROR(unpack(p), 500, "not empty");
    EXPECT_EQ(slurp(dest / "keep"), "mine");
    EXPECT_API_ERROR(unpackImage(p, path("missing"), nullptr, nullptr), 500, "not a directory");
}

}  // namespace
