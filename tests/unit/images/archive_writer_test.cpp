// ArchiveWriter (published images, backups) and unpackSubtree (backup imports), round-tripped
// through real files.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include "TarFixture.h"
#include "images/ArchiveReader.h"
#include "images/ArchiveWriter.h"
#include "images/ImageArchive.h"

namespace fs = std::filesystem;
using namespace imagetest;
using lxdp::images::ArchiveWriter;

namespace {

class ArchiveWriterTest : public TempDirTest {
protected:
    void SetUp() override {
        TempDirTest::SetUp();
        src = tmp / "src";
        fs::create_directories(src / "rootfs" / "etc");
        std::ofstream(src / "rootfs" / "etc" / "hostname") << "c1\n";
        std::ofstream(src / "metadata.yaml") << kMetadata;
        fs::create_symlink("/etc/passwd", src / "rootfs" / "escape");
        fs::create_hard_link(src / "rootfs" / "etc" / "hostname", src / "rootfs" / "etc" / "hostname2");
        ::chmod((src / "rootfs" / "etc").c_str(), 0750);
    }

    // uid of each member of a tarball, by name.
    std::map<std::string, int64_t> owners(const std::string& tarball) {
        lxdp::images::ArchiveReader reader(tarball);
        std::map<std::string, int64_t> out;
        while (archive_entry* e = reader.next()) out[archive_entry_pathname(e)] = archive_entry_uid(e);
        return out;
    }

    fs::path src;
};

TEST_F(ArchiveWriterTest, RoundTripsATreeUnderAPrefixInEveryCompression) {
    for (const std::string compression : {"gzip", "bzip2", "xz", "none", "zstd"}) {
        SCOPED_TRACE(compression);
        const std::string tarball = path("b-" + compression);
        {
            ArchiveWriter w(tarball, compression);
            w.addFile("backup/index.yaml", "name: c1\n");
            w.addTree(src.string(), "backup/container", nullptr, nullptr);
            w.finish();
        }
        EXPECT_EQ(lxdp::images::compressionOf(tarball), compression);
        fs::remove_all(dest);
        fs::create_directory(dest);
        lxdp::images::unpackSubtree(tarball, "backup/container", dest.string(), nullptr, nullptr);
        EXPECT_EQ(slurp(dest / "rootfs" / "etc" / "hostname"), "c1\n");
        EXPECT_EQ(slurp(dest / "metadata.yaml"), kMetadata);
        EXPECT_FALSE(fs::exists(dest / "index.yaml")) << "members outside the prefix are skipped";
        EXPECT_EQ(fs::read_symlink(dest / "rootfs" / "escape"), "/etc/passwd");
        EXPECT_TRUE(fs::equivalent(dest / "rootfs" / "etc" / "hostname", dest / "rootfs" / "etc" / "hostname2"));
        EXPECT_EQ(fs::status(dest / "rootfs" / "etc").permissions() & fs::perms::all,
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
    }
}

TEST_F(ArchiveWriterTest, AdjustSeesEveryMemberAndChangesOwners) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
    ASSERT_EQ(::lchown((src / "rootfs" / "etc" / "hostname").c_str(), 1000005, 1000005), 0);
    const std::string tarball = path("shifted.tar");
    {
        ArchiveWriter w(tarball, "none");
        w.addTree((src / "rootfs").string(), "rootfs",
                  [](archive_entry* e) {
                      if (archive_entry_uid(e) >= 1000000) archive_entry_set_uid(e, archive_entry_uid(e) - 1000000);
                  },
                  nullptr);
        w.finish();
    }
    auto uids = owners(tarball);
    EXPECT_EQ(uids.at("rootfs/etc/hostname"), 5);
    EXPECT_EQ(uids.at("rootfs/"), 0);
}

TEST_F(ArchiveWriterTest, CompressionsThatNeedExternalProgramsAreRefused) {
    for (const std::string bad : {"lz4", "squashfs", "gzip -9", "program"}) {
        EXPECT_FALSE(lxdp::images::isWritableCompression(bad));
        EXPECT_API_ERROR(ArchiveWriter(path("x"), bad), 400, "Unsupported compression");
        EXPECT_FALSE(fs::exists(path("x")));
    }
}

TEST_F(ArchiveWriterTest, UnfinishedTarballIsRemoved) {
    {
        ArchiveWriter w(path("partial"), "gzip");
        w.addFile("a", "b");
    }
    EXPECT_FALSE(fs::exists(path("partial")));
}

TEST_F(ArchiveWriterTest, ExistingFileIsNeverOverwritten) {
    std::ofstream(path("taken")) << "keep";
    EXPECT_API_ERROR(ArchiveWriter(path("taken"), "gzip"), 500, "Failed to create");
    EXPECT_EQ(slurp(path("taken")), "keep");
}

TEST_F(ArchiveWriterTest, CancellationStopsAndRemovesTheFile) {
    {
        ArchiveWriter w(path("c"), "none");
        EXPECT_API_ERROR(w.addTree(src.string(), "x", nullptr, [] { return true; }), 400, "cancelled");
    }
    EXPECT_FALSE(fs::exists(path("c")));
}

TEST_F(ArchiveWriterTest, SubtreeHardlinkToOutsideThePrefixIsRefused) {
    writeTar(path("t.tar.gz"), {file("backup/index.yaml", "x"), dir("backup/container"),
                                Member{.name = "backup/container/link", .hardlink = "backup/index.yaml"}});
    EXPECT_API_ERROR(lxdp::images::unpackSubtree(path("t.tar.gz"), "backup/container", dest.string(), nullptr, nullptr),
                     400, "links outside");
    EXPECT_TRUE(fs::is_empty(dest));
}

TEST_F(ArchiveWriterTest, SubtreeDotDotIsRefused) {
    writeTar(path("t.tar.gz"), {dir("backup/container"), file("backup/container/../../evil", "x")});
    EXPECT_API_ERROR(lxdp::images::unpackSubtree(path("t.tar.gz"), "backup/container", dest.string(), nullptr, nullptr),
                     400, "..");
    EXPECT_TRUE(fs::is_empty(dest));
}

}  // namespace
