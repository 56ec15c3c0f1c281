#include "config/PoolConfig.h"

#include <gtest/gtest.h>

#include "ExpectError.h"

using namespace lxdp::config;

TEST(PoolConfig, CommonKeys) {
    EXPECT_NO_THROW(validateCommonPoolConfig("dir", {{"source", "/srv/pool"}, {"rsync.bwlimit", "10M"},
                                                     {"rsync.compression", "false"}, {"volume.size", "10GiB"},
                                                     {"user.note", "x"}}));
    EXPECT_NO_THROW(validateCommonPoolConfig("btrfs", {{"size", "20GB"}, {"volatile.pool.pristine", "true"}}));
}

TEST(PoolConfig, DriverAndVolumeKeysPassThrough) {
    EXPECT_NO_THROW(validateCommonPoolConfig("btrfs", {{"btrfs.mount_options", "compress=zstd"}}));
    EXPECT_NO_THROW(validateCommonPoolConfig("zfs", {{"volume.zfs.remove_snapshots", "true"}}));
    EXPECT_BAD_REQUEST(validateCommonPoolConfig("dir", {{"btrfs.mount_options", "x"}}), "Unknown configuration key: btrfs.mount_options");
    // "ceph." keys belong to the ceph driver, not to cephfs.
    EXPECT_BAD_REQUEST(validateCommonPoolConfig("cephfs", {{"ceph.osd.pool_name", "x"}}), "ceph.osd.pool_name");
}

TEST(PoolConfig, BadCommonValues) {
    EXPECT_BAD_REQUEST(validateCommonPoolConfig("dir", {{"size", "huge"}}), "Invalid value for \"size\"");
    EXPECT_BAD_REQUEST(validateCommonPoolConfig("dir", {{"volume.size", "-1"}}), "volume.size");
    EXPECT_BAD_REQUEST(validateCommonPoolConfig("dir", {{"rsync.bwlimit", "10M --rsh=sh"}}), "rsync.bwlimit");
    EXPECT_BAD_REQUEST(validateCommonPoolConfig("dir", {{"rsync.compression", "lots"}}), "rsync.compression");
    EXPECT_BAD_REQUEST(validateCommonPoolConfig("dir", {{"no.such", "1"}}), "Unknown configuration key: no.such");
}

TEST(PoolConfig, VolumeDefaultsAreVolumeKeys) {
    EXPECT_NO_THROW(validateCommonPoolConfig("dir", {{"volume.security.shifted", "true"},
                                                     {"volume.snapshots.expiry", "2w"}}));
    EXPECT_BAD_REQUEST(validateCommonPoolConfig("dir", {{"volume.security.shifted", "maybe"}}),
                       "volume.security.shifted");
    EXPECT_BAD_REQUEST(validateCommonPoolConfig("dir", {{"volume.nosuch", "1"}}), "Unknown configuration key: volume.nosuch");
}
