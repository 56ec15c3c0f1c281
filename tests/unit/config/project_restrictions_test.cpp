#include <gtest/gtest.h>

#include <string>

#include "config/ProjectRestrictions.h"
#include "util/ApiError.h"

using lxdp::config::checkRestrictions;
using lxdp::config::checkVolatileKeys;
using lxdp::config::RestrictedEntity;
using lxdp::config::StringMap;
using Devices = std::map<std::string, StringMap>;

namespace {

// The status of checking one container, 0 when allowed.
int containerStatus(const StringMap& project, const StringMap& config, const Devices& devices = {}) {
    try {
        checkRestrictions(project, "p", RestrictedEntity::Container, "c1", config, devices);
        return 0;
    } catch (const lxdp::ApiError& e) {
        return e.status();
    }
}

const StringMap kRestricted = {{"restricted", "true"}};

}  // namespace

TEST(ProjectRestrictions, UnrestrictedProjectAllowsEverything) {
    EXPECT_EQ(containerStatus({}, {{"raw.lxc", "lxc.cap.drop="}, {"security.privileged", "true"}}), 0);
    EXPECT_EQ(containerStatus({{"restricted", "false"}, {"restricted.containers.lowlevel", "block"}},
                              {{"raw.lxc", "x"}}),
              0);
}

TEST(ProjectRestrictions, LowLevelKeysAreAnAllowlist) {
    for (const char* key : {"raw.lxc", "raw.apparmor", "raw.seccomp", "raw.qemu", "raw.qemu.conf", "linux.kernel_modules",
                            "security.idmap.base", "boot.host_shutdown_timeout", "some.future.key"})
        EXPECT_EQ(containerStatus(kRestricted, {{key, "x"}}), 403) << key;
    for (const char* key : {"limits.memory", "user.x", "environment.A", "snapshots.schedule", "boot.autostart"})
        EXPECT_EQ(containerStatus(kRestricted, {{key, "1"}}), 0) << key;
    StringMap lowlevel = kRestricted;
    lowlevel["restricted.containers.lowlevel"] = "allow";
    EXPECT_EQ(containerStatus(lowlevel, {{"raw.lxc", "x"}}), 0);
    // A profile may land on either kind of instance: it needs both allowed.
    EXPECT_THROW(checkRestrictions(lowlevel, "p", RestrictedEntity::Profile, "pr", {{"raw.lxc", "x"}}, {}),
                 lxdp::ApiError);
}

TEST(ProjectRestrictions, PrivilegeNestingAndIsolation) {
    EXPECT_EQ(containerStatus(kRestricted, {{"security.privileged", "true"}}), 403);
    EXPECT_EQ(containerStatus(kRestricted, {{"security.privileged", "false"}}), 0);
    EXPECT_EQ(containerStatus(kRestricted, {{"security.nesting", "true"}}), 403);
    StringMap isolated = kRestricted;
    isolated["restricted.containers.privilege"] = "isolated";
    EXPECT_EQ(containerStatus(isolated, {}), 403);
    EXPECT_EQ(containerStatus(isolated, {{"security.idmap.isolated", "true"}}), 0);
}

TEST(ProjectRestrictions, RawIdmapWithinTheProjectsRanges) {
    StringMap project = kRestricted;
    project["restricted.idmap.uid"] = "1000-1999";
    project["restricted.idmap.gid"] = "1000-1999";
    EXPECT_EQ(containerStatus(project, {{"raw.idmap", "both 1000 0\nuid 1500-1600 10-110"}}), 0);
    EXPECT_EQ(containerStatus(project, {{"raw.idmap", "both 0 0"}}), 403);
    EXPECT_EQ(containerStatus(project, {{"raw.idmap", "uid 1900-2100 0-200"}}), 403);
}

TEST(ProjectRestrictions, Devices) {
    const Devices root = {{"root", {{"type", "disk"}, {"path", "/"}, {"pool", "default"}}}};
    EXPECT_EQ(containerStatus(kRestricted, {}, root), 0);
    EXPECT_EQ(containerStatus(kRestricted, {}, {{"d", {{"type", "disk"}, {"path", "/mnt"}, {"source", "/"}}}}), 403);
    EXPECT_EQ(containerStatus(kRestricted, {}, {{"d", {{"type", "unix-char"}, {"path", "/dev/zero"}}}}), 403);
    EXPECT_EQ(containerStatus(kRestricted, {}, {{"n", {{"type", "nic"}, {"nictype", "bridged"}, {"parent", "br0"}}}}), 403);
    EXPECT_EQ(containerStatus(kRestricted, {}, {{"n", {{"type", "nic"}, {"network", "net1"}}}}), 0);
    StringMap access = kRestricted;
    access["restricted.networks.access"] = "net2, net3";
    EXPECT_EQ(containerStatus(access, {}, {{"n", {{"type", "nic"}, {"network", "net1"}}}}), 403);
    EXPECT_EQ(containerStatus(access, {}, {{"n", {{"type", "nic"}, {"network", "net3"}}}}), 0);
}

TEST(ProjectRestrictions, ShiftedDisksOnlyOnListedPaths) {
    StringMap allow = kRestricted;
    allow["restricted.devices.disk"] = "allow";
    const Devices shifted = {{"d", {{"type", "disk"}, {"path", "/mnt"}, {"source", "/srv/share/x"}, {"shift", "true"}}}};
    EXPECT_EQ(containerStatus(allow, {}, shifted), 403);  // allow without disk.paths: no shift
    allow["restricted.devices.disk.paths"] = "/srv/share";
    EXPECT_EQ(containerStatus(allow, {}, shifted), 0);
    EXPECT_EQ(containerStatus(allow, {}, {{"d", {{"type", "disk"}, {"path", "/mnt"}, {"source", "/srv/shared"}}}}), 403);
    EXPECT_EQ(containerStatus(allow, {}, {{"d", {{"type", "disk"}, {"path", "/mnt"}, {"source", "/srv/share/../../etc"}}}}),
              403);
}

TEST(ProjectRestrictions, VolatileKeysOnlyAsTheyWere) {
    const StringMap current = {{"volatile.idmap.base", "1000000"}};
    EXPECT_NO_THROW(checkVolatileKeys(kRestricted, "p", RestrictedEntity::Container, "c1", current, current));
    EXPECT_THROW(checkVolatileKeys(kRestricted, "p", RestrictedEntity::Container, "c1", {{"volatile.idmap.base", "0"}},
                                   current),
                 lxdp::ApiError);
    EXPECT_NO_THROW(checkVolatileKeys(kRestricted, "p", RestrictedEntity::Container, "c1",
                                      {{"volatile.eth0.hwaddr", "00:16:3e:00:00:01"}}, {}));
}
