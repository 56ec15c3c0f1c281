#include "config/InstanceConfig.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "ExpectError.h"

using namespace lxdp::config;

TEST(InstanceConfig, UnknownKeyIsRefused) {
    EXPECT_BAD_REQUEST(validateInstanceKey("no.such.key", "1"), "Invalid config: Unknown configuration key: no.such.key");
    EXPECT_BAD_REQUEST(validateInstanceKey("limits.memory.typo", "1"), "Unknown configuration key");
}

TEST(InstanceConfig, FreeFormNamespacesAreAccepted) {
    EXPECT_NO_THROW(validateInstanceKey("user.anything.at.all", "some value"));
    EXPECT_NO_THROW(validateInstanceKey("user.user-data", "#cloud-config\npackages: [htop]\n"));
    EXPECT_NO_THROW(validateInstanceKey("environment.HTTP_PROXY", "http://proxy:3128"));
    EXPECT_NO_THROW(validateInstanceKey("image.os", "Ubuntu"));
    EXPECT_NO_THROW(validateInstanceKey("limits.kernel.nofile", "4096"));
    EXPECT_NO_THROW(validateInstanceKey("linux.sysctl.net.ipv4.ip_forward", "1"));
    // The bare namespace is not a key.
    EXPECT_BAD_REQUEST(validateInstanceKey("user.", "x"), "Unknown configuration key");
}

TEST(InstanceConfig, EnvironmentCannotInjectLines) {
    EXPECT_BAD_REQUEST(validateInstanceKey("environment.FOO", "bar\nlxc.hook.start=/bin/sh"), "environment.FOO");
    EXPECT_BAD_REQUEST(validateInstanceKey("environment.FOO=BAR", "x"), "Invalid environment variable name");
}

TEST(InstanceConfig, MemoryLimit) {
    EXPECT_BAD_REQUEST(validateInstanceKey("limits.memory", "lots"), "Invalid value for \"limits.memory\"");
    EXPECT_NO_THROW(validateInstanceKey("limits.memory", "512MB"));
    EXPECT_NO_THROW(validateInstanceKey("limits.memory", "50%"));
    EXPECT_NO_THROW(validateInstanceKey("limits.memory.enforce", "soft"));
    EXPECT_BAD_REQUEST(validateInstanceKey("limits.memory.enforce", "medium"), "limits.memory.enforce");
}

TEST(InstanceConfig, Booleans) {
    EXPECT_NO_THROW(validateInstanceKey("security.nesting", "true"));
    EXPECT_NO_THROW(validateInstanceKey("security.privileged", "No"));
    EXPECT_NO_THROW(validateInstanceKey("boot.autostart", "on"));
    EXPECT_BAD_REQUEST(validateInstanceKey("security.nesting", "sure"), "Invalid value for \"security.nesting\"");
}

TEST(InstanceConfig, ProtectionDelete) {
    EXPECT_NO_THROW(validateInstanceKey("security.protection.delete", "true"));
    EXPECT_NO_THROW(validateInstanceKey("security.protection.delete", "false"));
    EXPECT_BAD_REQUEST(validateInstanceKey("security.protection.delete", "maybe"), "security.protection.delete");
}

TEST(InstanceConfig, EmptyValueMeansUnset) {
    EXPECT_NO_THROW(validateInstanceKey("limits.memory", ""));
    EXPECT_NO_THROW(validateInstanceKey("security.nesting", ""));
    EXPECT_NO_THROW(validateInstanceKey("snapshots.schedule", ""));
}

TEST(InstanceConfig, TypedKeys) {
    EXPECT_NO_THROW(validateInstanceKey("limits.cpu", "0-3,5"));
    EXPECT_NO_THROW(validateInstanceKey("limits.cpu.priority", "10"));
    EXPECT_BAD_REQUEST(validateInstanceKey("limits.cpu.priority", "11"), "limits.cpu.priority");
    EXPECT_NO_THROW(validateInstanceKey("snapshots.schedule", "@daily"));
    EXPECT_BAD_REQUEST(validateInstanceKey("snapshots.schedule", "daily"), "snapshots.schedule");
    EXPECT_NO_THROW(validateInstanceKey("snapshots.expiry", "2w"));
    EXPECT_NO_THROW(validateInstanceKey("linux.kernel_modules", "overlay, nf_nat"));
    EXPECT_BAD_REQUEST(validateInstanceKey("linux.kernel_modules", "overlay,-r"), "linux.kernel_modules");
    EXPECT_NO_THROW(validateInstanceKey("limits.hugepages.2MB", "1GiB"));
}

TEST(InstanceConfig, VolatileKeysOnlyOnInstances) {
    EXPECT_NO_THROW(validateInstanceKey("volatile.base_image", "abc"));
    EXPECT_NO_THROW(validateInstanceKey("volatile.eth0.hwaddr", "00:16:3e:00:00:01"));
    EXPECT_NO_THROW(validateInstanceKey("volatile.my.nic.last_state.created", "true"));
    EXPECT_BAD_REQUEST(validateInstanceKey("volatile.eth0.bogus", "x"), "Unknown configuration key");
    EXPECT_BAD_REQUEST(validateInstanceKey("volatile.base_image", "abc", true), "Volatile keys can only be set on instances");
    EXPECT_BAD_REQUEST(validateInstanceConfig({{"volatile.eth0.hwaddr", "x"}}, true), "Volatile keys");
    EXPECT_BAD_REQUEST(validateInstanceKey("image.os", "Ubuntu", true), "Image keys can only be set on instances");
}

TEST(InstanceConfig, KindSpecificKeys) {
    EXPECT_NO_THROW(validateInstanceKey("raw.lxc", "lxc.aa_profile=unconfined", false, InstanceKind::Container));
    EXPECT_BAD_REQUEST(validateInstanceKey("raw.lxc", "x", false, InstanceKind::VirtualMachine), "only supported by containers");
    EXPECT_BAD_REQUEST(validateInstanceKey("security.secureboot", "false", false, InstanceKind::Container),
                       "only supported by virtual machines");
    // Profiles hold keys for either kind.
    EXPECT_NO_THROW(validateInstanceKey("security.secureboot", "false", true, InstanceKind::Container));
}

TEST(InstanceConfig, WholeMapStopsAtFirstBadKey) {
    EXPECT_NO_THROW(validateInstanceConfig({{"limits.cpu", "2"}, {"user.note", "x"}}));
    EXPECT_BAD_REQUEST(validateInstanceConfig({{"limits.cpu", "2"}, {"limits.memory", "lots"}}), "limits.memory");
}

TEST(InstanceConfig, SeccompKeysThatReplaceEachOtherAreRefusedTogether) {
    EXPECT_NO_THROW(validateInstanceConfig({{"security.syscalls.deny", "mount"}, {"security.syscalls.deny_compat", "true"}}));
    EXPECT_NO_THROW(validateInstanceConfig({{"security.syscalls.allow", "read"}, {"security.syscalls.deny_default", "false"}}));
    EXPECT_BAD_REQUEST(validateInstanceConfig({{"raw.seccomp", "2"}, {"security.syscalls.deny", "mount"}}),
                       "raw.seccomp is mutually exclusive with security.syscalls*");
    EXPECT_BAD_REQUEST(validateInstanceConfig({{"security.syscalls.allow", "read"}, {"security.syscalls.deny_default", "true"}}),
                       "security.syscalls.allow is mutually exclusive with security.syscalls.deny*");
}

TEST(InstanceConfig, KnownKeysListsTableAndNamespaces) {
    const auto keys = knownInstanceKeys();
    for (const char* k : {"limits.memory", "security.protection.delete", "user.*", "environment.*", "volatile.<name>.hwaddr"})
        EXPECT_NE(std::find(keys.begin(), keys.end(), k), keys.end()) << k;
}
