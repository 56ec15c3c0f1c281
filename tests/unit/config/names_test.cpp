#include "config/Names.h"

#include <gtest/gtest.h>

#include "ExpectError.h"

using namespace lxdp::config;

TEST(InstanceName, SpecRules) {
    EXPECT_NO_THROW(checkInstanceName("c1"));
    EXPECT_NO_THROW(checkInstanceName("my-container-2"));
    EXPECT_NO_THROW(checkInstanceName(std::string(63, 'a')));
    EXPECT_BAD_REQUEST(checkInstanceName("1abc"), "Invalid instance name: Name must not start with a digit");
    EXPECT_BAD_REQUEST(checkInstanceName("-abc"), "must not start with \"-\"");
    EXPECT_BAD_REQUEST(checkInstanceName("abc-"), "must not end with \"-\"");
    EXPECT_BAD_REQUEST(checkInstanceName(std::string(64, 'a')), "1-63 characters");
    EXPECT_BAD_REQUEST(checkInstanceName(""), "1-63 characters");
    EXPECT_BAD_REQUEST(checkInstanceName("a_b"), "alphanumeric and hyphen");
    EXPECT_BAD_REQUEST(checkInstanceName("a.b"), "alphanumeric and hyphen");
    EXPECT_BAD_REQUEST(checkInstanceName("caf\xc3\xa9"), "alphanumeric and hyphen");
}

TEST(SnapshotName, Rules) {
    EXPECT_NO_THROW(checkSnapshotName("snap0"));
    EXPECT_NO_THROW(checkSnapshotName("before-upgrade_2024.01"));
    EXPECT_BAD_REQUEST(checkSnapshotName(""), "Invalid snapshot name");
    EXPECT_BAD_REQUEST(checkSnapshotName(".."), "Invalid snapshot name");
    EXPECT_BAD_REQUEST(checkSnapshotName("a/b"), "\"/\"");
    EXPECT_BAD_REQUEST(checkSnapshotName("a b"), "spaces");
    EXPECT_BAD_REQUEST(checkSnapshotName("a*"), "\"*\"");
}

TEST(ProfileName, Rules) {
    EXPECT_NO_THROW(checkProfileName("default"));
    EXPECT_NO_THROW(checkProfileName("with_under.score"));
    EXPECT_BAD_REQUEST(checkProfileName(""), "Invalid profile name");
    EXPECT_BAD_REQUEST(checkProfileName("a/b"), "Invalid profile name");
    EXPECT_BAD_REQUEST(checkProfileName("."), "Invalid profile name");
    EXPECT_BAD_REQUEST(checkProfileName("-a"), "Invalid profile name");
    EXPECT_BAD_REQUEST(checkProfileName("a$b"), "Invalid profile name");
}

TEST(ProjectName, Rules) {
    EXPECT_NO_THROW(checkProjectName("default"));
    EXPECT_NO_THROW(checkProjectName("team-a"));
    for (const char* bad : {"", "a_b", "a/b", "a\\b", "a b", "a'b", "a\"b", "*", "..", "caf\xc3\xa9", "-a", "a$b"})
        EXPECT_BAD_REQUEST(checkProjectName(bad), "Invalid project name");
}

TEST(PoolAndVolumeNames, Rules) {
    EXPECT_NO_THROW(checkPoolName("default"));
    EXPECT_BAD_REQUEST(checkPoolName("-o"), "Invalid storage pool name");
    EXPECT_BAD_REQUEST(checkPoolName("a/b"), "Invalid storage pool name");
    EXPECT_BAD_REQUEST(checkPoolName("a$b"), "Invalid storage pool name");
    EXPECT_BAD_REQUEST(checkPoolName(".."), "Invalid storage pool name");
    EXPECT_NO_THROW(checkVolumeName("data"));
    EXPECT_BAD_REQUEST(checkVolumeName("vol/snap"), "Invalid storage volume name");
    EXPECT_BAD_REQUEST(checkVolumeName(""), "Invalid storage volume name");
}

TEST(DeviceName, Rules) {
    EXPECT_NO_THROW(checkDeviceName("eth0"));
    EXPECT_NO_THROW(checkDeviceName("disk:data/sub_1.x-y"));
    EXPECT_BAD_REQUEST(checkDeviceName(".eth0"), "must not start with \".\"");
    EXPECT_BAD_REQUEST(checkDeviceName("a b"), "Invalid device name");
    EXPECT_BAD_REQUEST(checkDeviceName(std::string(64, 'a')), "1-63 characters");
    EXPECT_BAD_REQUEST(checkDeviceName("a/../b"), "\"..\" component");
}

TEST(ImageAliasName, Rules) {
    EXPECT_NO_THROW(checkImageAliasName("ubuntu"));
    EXPECT_NO_THROW(checkImageAliasName("ubuntu/20.04"));
    EXPECT_BAD_REQUEST(checkImageAliasName(""), "Invalid image alias name");
    EXPECT_BAD_REQUEST(checkImageAliasName("a\nb"), "Invalid image alias name");
}

TEST(FingerprintPrefix, LowercaseHexOfTwelveToSixtyFour) {
    EXPECT_TRUE(isFingerprintPrefix("0123456789ab"));
    EXPECT_TRUE(isFingerprintPrefix(std::string(64, 'f')));
    EXPECT_FALSE(isFingerprintPrefix("0123456789a"));
    EXPECT_FALSE(isFingerprintPrefix(std::string(65, 'f')));
    EXPECT_FALSE(isFingerprintPrefix("0123456789AB"));
    EXPECT_FALSE(isFingerprintPrefix("0123456789a%"));
}
