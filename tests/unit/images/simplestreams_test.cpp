// streamProductPaths, streamImages and findStreamImage on simplestreams documents shaped as
// images.linuxcontainers.org serves them, and on hostile ones.
#include <gtest/gtest.h>

#include "images/SimpleStreams.h"
#include "util/ApiError.h"

using lxdp::images::findStreamImage;
using lxdp::images::streamImages;
using lxdp::images::streamProductPaths;
using nlohmann::json;

namespace {

const std::string kA(64, 'a'), kB(64, 'b'), kC(64, 'c'), kD(64, 'd'), kE(64, 'e'), kF(64, 'f');

json products() {
    return json::parse(R"({"products": {
      "alpine:3.19:amd64:default": {"aliases": "alpine/3.19,alpine/3.19/default", "arch": "amd64", "os": "Alpine",
        "release": "3.19", "release_title": "3.19", "versions": {
          "20260101_13:00": {"items": {"lxd_combined.tar.gz": {"ftype": "lxd_combined.tar.gz", "path": "images/old.tar.gz", "sha256": ")" + kA + R"(", "size": 10}}},
          "20260102_13:00": {"items": {"lxd_combined.tar.gz": {"ftype": "lxd_combined.tar.gz", "path": "images/new.tar.gz", "sha256": ")" + kB + R"(", "size": 11}}}}},
      "alpine:3.19:arm64:default": {"aliases": "alpine/3.19", "arch": "arm64", "versions": {
          "20260102_13:00": {"items": {"lxd_combined.tar.gz": {"ftype": "lxd_combined.tar.gz", "path": "images/arm.tar.gz", "sha256": ")" + kE + R"(", "size": 11}}}}},
      "debian:12:amd64:default": {"aliases": "debian/12", "arch": "amd64", "versions": {
          "20260102_05:24": {"items": {
            "lxd.tar.xz": {"ftype": "lxd.tar.xz", "path": "images/d/lxd.tar.xz", "sha256": ")" + kC + R"(", "size": 1,
                           "combined_squashfs_sha256": ")" + kD + R"(", "combined_rootxz_sha256": ")" + kF + R"("},
            "root.squashfs": {"ftype": "squashfs", "path": "images/d/rootfs.squashfs", "sha256": ")" + kA + R"(", "size": 2},
            "root.tar.xz": {"ftype": "root.tar.xz", "path": "images/d/rootfs.tar.xz", "sha256": ")" + kB + R"(", "size": 3}}}}},
      "evil:1:amd64:default": {"aliases": "evil", "arch": "amd64", "versions": {
          "20260102_05:24": {"items": {"lxd_combined.tar.gz": {"ftype": "lxd_combined.tar.gz", "path": "../../etc/passwd", "sha256": ")" + kA + R"("}}}}}
    }})");
}

}  // namespace

TEST(SimpleStreamsTest, IndexListsImageDownloadsOnly) {
    auto index = json::parse(R"({"index": {"images": {"datatype": "image-downloads", "path": "streams/v1/images.json"},
                                          "other": {"datatype": "content-download", "path": "streams/v1/other.json"}}})");
    EXPECT_EQ(streamProductPaths(index), std::vector<std::string>{"streams/v1/images.json"});
    EXPECT_THROW(streamProductPaths(json::parse(R"({"index": {"i": {"datatype": "image-downloads", "path": "../x.json"}}})")),
                 lxdp::ApiError);
    EXPECT_THROW(streamProductPaths(json::parse("[]")), lxdp::ApiError);
}

TEST(SimpleStreamsTest, NewestImageOfTheArchitectureByAlias) {
    auto images = streamImages(products());
    auto img = findStreamImage(images, "alpine/3.19", "x86_64");
    ASSERT_TRUE(img);
    EXPECT_EQ(img->fingerprint, kB);
    EXPECT_EQ(img->meta.path, "images/new.tar.gz");
    EXPECT_FALSE(img->rootfs);
    auto arm = findStreamImage(images, "alpine/3.19/aarch64", "x86_64");
    ASSERT_TRUE(arm);
    EXPECT_EQ(arm->fingerprint, kE);
    EXPECT_FALSE(findStreamImage(images, "alpine/3.20", "x86_64"));
}

TEST(SimpleStreamsTest, SplitImageAliasNamesTheSquashfsPairing) {
    auto img = findStreamImage(streamImages(products()), "debian/12", "x86_64");
    ASSERT_TRUE(img);
    ASSERT_TRUE(img->rootfs);
    EXPECT_EQ(img->rootfsType, "squashfs");
    EXPECT_EQ(img->fingerprint, kD);
    EXPECT_EQ(img->meta.path, "images/d/lxd.tar.xz");
    EXPECT_EQ(img->meta.sha256, kC);
    EXPECT_EQ(img->rootfs->path, "images/d/rootfs.squashfs");
    EXPECT_EQ(img->rootfs->sha256, kA);
    EXPECT_EQ(img->rootfs->size, 2);
}

TEST(SimpleStreamsTest, TheTarballPairingByItsFingerprint) {
    auto img = findStreamImage(streamImages(products()), kF.substr(0, 12), "x86_64");
    ASSERT_TRUE(img);
    ASSERT_TRUE(img->rootfs);
    EXPECT_EQ(img->rootfsType, "root.tar.xz");
    EXPECT_EQ(img->fingerprint, kF);
    EXPECT_EQ(img->rootfs->path, "images/d/rootfs.tar.xz");
}

TEST(SimpleStreamsTest, SplitImageWithoutItsCombinedHashIsSkipped) {
    auto products = json::parse(R"({"products": {"x:1:amd64:default": {"aliases": "x", "arch": "amd64", "versions": {
      "20260102_05:24": {"items": {
        "lxd.tar.xz": {"ftype": "lxd.tar.xz", "path": "m.tar.xz", "sha256": ")" + kC + R"(", "combined_rootxz_sha256": ")" + kF + R"("},
        "root.squashfs": {"ftype": "squashfs", "path": "r.squashfs", "sha256": ")" + kA + R"("}}}}}}})");
    EXPECT_TRUE(streamImages(products).empty());
}

TEST(SimpleStreamsTest, ByFingerprintPrefixAndNoPathEscapes) {
    auto images = streamImages(products());
    auto img = findStreamImage(images, kA.substr(0, 12), "x86_64");
    ASSERT_TRUE(img);
    EXPECT_EQ(img->meta.path, "images/old.tar.gz");
    EXPECT_FALSE(findStreamImage(images, "evil", "x86_64"));
    EXPECT_FALSE(findStreamImage(images, "aaaa", "x86_64"));  // too short a prefix
}
