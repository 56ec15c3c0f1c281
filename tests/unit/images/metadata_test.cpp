// readImageMetadata, compressionOf and tarballExtension on tarballs built in the test.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "TarFixture.h"
#include "images/ImageArchive.h"

using namespace imagetest;
using lxdp::images::compressionOf;
using lxdp::images::readImageMetadata;
using lxdp::images::tarballExtension;

namespace {

class MetadataTest : public TempDirTest {
protected:
    std::string imageWith(const std::string& yaml) {
        std::string p = path("img.tar.gz");
        writeTar(p, {file("metadata.yaml", yaml), dir("rootfs")});
        return p;
    }
};

TEST_F(MetadataTest, ParsesAllFields) {
    std::string p = path("img.tar.gz");
    writeTar(p, {file("metadata.yaml", kMetadata), dir("templates"), file("templates/hosts.tpl", "x"), dir("rootfs"),
                 file("rootfs/hello", "hi")});
    auto md = readImageMetadata(p);
    EXPECT_EQ(md.architecture, "x86_64");
    EXPECT_EQ(md.creationDate, 1424284563);
    EXPECT_EQ(md.expiryDate, 0);
    EXPECT_EQ(md.properties.at("os"), "Ubuntu");
    ASSERT_EQ(md.templates.count("/etc/hosts"), 1u);
    const auto& t = md.templates.at("/etc/hosts");
    EXPECT_EQ(t.when, (std::vector<std::string>{"create", "rename"}));
    EXPECT_EQ(t.templateFile, "hosts.tpl");
    EXPECT_TRUE(t.createOnly);
    EXPECT_EQ(t.properties.at("foo"), "bar");
    EXPECT_TRUE(md.hasRootfs);
}

TEST_F(MetadataTest, SplitMetadataTarballHasNoRootfs) {
    std::string p = path("meta.tar.xz");
    writeTar(p, {file("./metadata.yaml", kMetadata), dir("./templates")}, "xz");
    auto md = readImageMetadata(p);
    EXPECT_EQ(md.architecture, "x86_64");
    EXPECT_FALSE(md.hasRootfs);
}

TEST_F(MetadataTest, EveryCompressionIsDetectedAndRead) {
    for (std::string c : {"gzip", "xz", "bzip2", "zstd", "lzma", "none"}) {
        SCOPED_TRACE(c);
        std::string p = path("img" + tarballExtension(c));
        writeTar(p, {file("metadata.yaml", kMetadata), dir("rootfs")}, c);
        EXPECT_EQ(compressionOf(p), c);
        EXPECT_EQ(readImageMetadata(p).architecture, "x86_64");
    }
}

TEST_F(MetadataTest, TarballsFromTheTarToolWithDotSlashNames) {
    std::filesystem::path work = tmp / "work";
    std::filesystem::create_directories(work / "rootfs");
    std::ofstream(work / "metadata.yaml") << kMetadata;
    for (auto [flag, c] : {std::pair{"-cJf", "xz"}, std::pair{"-cf", "none"}}) {
        SCOPED_TRACE(c);
        std::string p = path(std::string("tool") + tarballExtension(c));
        std::string cmd = "tar -C '" + work.string() + "' " + flag + " '" + p + "' .";
        if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "tar not usable";
        EXPECT_EQ(compressionOf(p), c);
        auto md = readImageMetadata(p);
        EXPECT_EQ(md.properties.at("os"), "Ubuntu");
        EXPECT_TRUE(md.hasRootfs);
    }
}

TEST_F(MetadataTest, ExtensionsAndUnknownCompression) {
    EXPECT_EQ(tarballExtension("gzip"), ".tar.gz");
    EXPECT_EQ(tarballExtension("xz"), ".tar.xz");
    EXPECT_EQ(tarballExtension("bzip2"), ".tar.bz2");
    EXPECT_EQ(tarballExtension("zstd"), ".tar.zst");
    EXPECT_EQ(tarballExtension("lzma"), ".tar.lzma");
    EXPECT_EQ(tarballExtension("none"), ".tar");
    EXPECT_API_ERROR(tarballExtension("rar; rm -rf /"), 400, "Unknown compression");
}

TEST_F(MetadataTest, RandomBytesAreRefused) {
    std::string p = path("random.bin");
    std::mt19937 gen(42);
    std::string junk(64 * 1024, '\0');
    for (char& c : junk) c = static_cast<char>(gen());
    std::ofstream(p, std::ios::binary) << junk;
    EXPECT_API_ERROR(readImageMetadata(p), 400, "not a valid tarball");
    EXPECT_API_ERROR(compressionOf(p), 400, "not a valid tarball");
}

TEST_F(MetadataTest, MissingFileIsRefused) {
    EXPECT_API_ERROR(readImageMetadata(path("absent.tar")), 400, "Failed to open image file");
}

TEST_F(MetadataTest, TarWithoutMetadataIsRefused) {
    std::string p = path("nometa.tar.gz");
    writeTar(p, {dir("rootfs"), file("rootfs/x", "y")});
    EXPECT_API_ERROR(readImageMetadata(p), 400, "has no metadata.yaml");
}

TEST_F(MetadataTest, SymlinkedMetadataIsRefused) {
    std::string p = path("link.tar.gz");
    writeTar(p, {symlinkTo("metadata.yaml", "/etc/passwd"), dir("rootfs")});
    EXPECT_API_ERROR(readImageMetadata(p), 400, "not a regular file");
}

TEST_F(MetadataTest, InvalidYamlIsRefused) {
    EXPECT_API_ERROR(readImageMetadata(imageWith("architecture: [x86_64\n")), 400, "not valid YAML");
    EXPECT_API_ERROR(readImageMetadata(imageWith("- just\n- a list\n")), 400, "must be a YAML mapping");
}

TEST_F(MetadataTest, MissingArchitectureIsRefused) {
    EXPECT_API_ERROR(readImageMetadata(imageWith("creation_date: 1\n")), 400, "lacks the architecture");
}

TEST_F(MetadataTest, BadFieldShapesAreRefused) {
    EXPECT_API_ERROR(readImageMetadata(imageWith("architecture: x\ncreation_date: soon\n")), 400, "creation_date");
    EXPECT_API_ERROR(readImageMetadata(imageWith("architecture: x\nproperties: [a]\n")), 400, "properties");
    EXPECT_API_ERROR(readImageMetadata(imageWith("architecture: x\nproperties: {os: [a]}\n")), 400,
                     "properties.os");
    EXPECT_API_ERROR(readImageMetadata(imageWith("architecture: x\ntemplates: {/etc/x: {template: a, when: b}}\n")),
                     400, "when must be a list");
}

TEST_F(MetadataTest, TemplatePathsOutsideTheirRootsAreRefused) {
    EXPECT_API_ERROR(readImageMetadata(imageWith("architecture: x\ntemplates: {/etc/x: {template: ../../etc/shadow}}\n")),
                     400, "without \"..\"");
    EXPECT_API_ERROR(readImageMetadata(imageWith("architecture: x\ntemplates: {/etc/x: {template: /etc/shadow}}\n")),
                     400, "relative file name");
    EXPECT_API_ERROR(readImageMetadata(imageWith("architecture: x\ntemplates: {/etc/../../x: {template: a.tpl}}\n")),
                     400, "absolute path without");
}

TEST_F(MetadataTest, AliasesAndDeepNestingAreRefused) {
    std::string laughs =
        "architecture: x\n"
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "properties: {x: *b}\n";
    EXPECT_API_ERROR(readImageMetadata(imageWith(laughs)), 400, "alias");
    std::string deep = "architecture: x\nproperties: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
    EXPECT_API_ERROR(readImageMetadata(imageWith(deep)), 400, "nests too deeply");
}

TEST_F(MetadataTest, OversizedMetadataIsRefused) {
    std::string big = "architecture: x\ndescription: \"" + std::string(1100 * 1024, 'a') + "\"\n";
    EXPECT_API_ERROR(readImageMetadata(imageWith(big)), 400, "exceeds");
}

TEST_F(MetadataTest, MembersEscapingTheArchiveAreRefused) {
    std::string p = path("evil.tar.gz");
    writeTar(p, {file("metadata.yaml", kMetadata), file("../evil", "x")});
    EXPECT_API_ERROR(readImageMetadata(p), 400, "contains \"..\"");
}

}  // namespace
