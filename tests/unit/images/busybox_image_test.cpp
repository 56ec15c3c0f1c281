// The real test image of the acceptance suite (make-busybox-image.sh): metadata and unpack.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "TarFixture.h"
#include "images/ImageArchive.h"

using namespace imagetest;
namespace fs = std::filesystem;

namespace {

const char* kScript = "/work/shared/acceptance/make-busybox-image.sh";

class BusyboxImageTest : public TempDirTest {
protected:
    void SetUp() override {
        TempDirTest::SetUp();
        if (!fs::exists(kScript)) GTEST_SKIP() << kScript << " is not there";
        if (std::system("command -v busybox >/dev/null 2>&1") != 0) GTEST_SKIP() << "no busybox";
        image = path("busybox.tar.gz");
        std::string cmd = "bash " + std::string(kScript) + " " + image + " >/dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0 || !fs::exists(image)) GTEST_SKIP() << "image builder failed";
    }
    std::string image;
};

TEST_F(BusyboxImageTest, MetadataIsRead) {
    auto md = lxdp::images::readImageMetadata(image);
    struct utsname u {};
    ::uname(&u);
    EXPECT_EQ(md.architecture, u.machine);
    EXPECT_GT(md.creationDate, 0);
    EXPECT_EQ(md.properties.at("os"), "BusyBox");
    EXPECT_EQ(md.properties.at("name"), std::string("busybox-") + u.machine);
    ASSERT_EQ(md.templates.count("/etc/hostname"), 1u);
    EXPECT_EQ(md.templates.at("/etc/hostname").when, (std::vector<std::string>{"create", "copy", "start"}));
    EXPECT_EQ(md.templates.at("/etc/hostname").templateFile, "hostname.tpl");
    EXPECT_EQ(md.templates.at("/etc/hosts").when, (std::vector<std::string>{"create", "copy"}));
    EXPECT_TRUE(md.hasRootfs);
    EXPECT_EQ(lxdp::images::compressionOf(image), "gzip");
}

TEST_F(BusyboxImageTest, UnpacksWithLinksAndModes) {
    lxdp::images::unpackImage(image, dest.string(), nullptr, nullptr);
    fs::path r = dest / "rootfs";
    EXPECT_EQ(fs::read_symlink(r / "bin/sh"), "busybox");
    EXPECT_EQ(fs::read_symlink(r / "sbin/init"), "../bin/busybox");
    struct stat st {};
    ASSERT_EQ(::stat((r / "bin/busybox").c_str(), &st), 0);
    EXPECT_TRUE(st.st_mode & S_IXUSR);
    if (::geteuid() == 0) {  // the builder stores owner 0; only root can restore it
        EXPECT_EQ(st.st_uid, 0u);
    }
    ASSERT_EQ(::lstat((r / "tmp").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 01777u);
    EXPECT_EQ(slurp(dest / "templates/hostname.tpl"), "{{ container.name }}\n");
}

}  // namespace
