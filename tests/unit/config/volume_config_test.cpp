#include "config/VolumeConfig.h"

#include <gtest/gtest.h>

#include "ExpectError.h"

using namespace lxdp::config;

TEST(VolumeConfig, SpecKeys) {
    EXPECT_NO_THROW(validateVolumeConfig("btrfs", {{"size", "1GiB"},
                                                   {"security.shifted", "false"},
                                                   {"security.unmapped", "true"},
                                                   {"snapshots.schedule", "@daily"},
                                                   {"snapshots.pattern", "snap%d"},
                                                   {"snapshots.expiry", "1w"},
                                                   {"block.filesystem", "ext4"},
                                                   {"block.mount_options", "noatime"},
                                                   {"user.note", "x"}}));
}

TEST(VolumeConfig, BadKeysAndValues) {
    EXPECT_BAD_REQUEST(validateVolumeConfig("dir", {{"size", "big"}}), "Invalid value for \"size\"");
    EXPECT_BAD_REQUEST(validateVolumeConfig("dir", {{"snapshots.schedule", "every day"}}), "snapshots.schedule");
    EXPECT_BAD_REQUEST(validateVolumeConfig("dir", {{"snapshots.expiry", "soon"}}), "snapshots.expiry");
    EXPECT_BAD_REQUEST(validateVolumeConfig("dir", {{"block.filesystem", "ntfs"}}), "block.filesystem");
    EXPECT_BAD_REQUEST(validateVolumeConfig("dir", {{"btrfs.x", "1"}}), "Unknown configuration key: btrfs.x");
    EXPECT_BAD_REQUEST(validateVolumeConfig("dir", {{"foo", "1"}}), "Unknown configuration key: foo");
}
