#include "lxc_device_cgroup.h"

namespace lxdp_lxc {

namespace {

// Upstream LXD's list (driver_lxc.go). Creating any node stays allowed ("m"): opening one is what
// the cgroup decides, so a node an image ships or a container makes (/dev/kmsg, a disk) is useless.
constexpr const char *kAllowed[] = {
    "b *:* m",      // mknod of block devices
    "c *:* m",      // mknod of char devices
    "c 136:* rwm",  // /dev/pts/*
    "c 1:3 rwm",    // /dev/null
    "c 1:5 rwm",    // /dev/zero
    "c 1:7 rwm",    // /dev/full
    "c 1:8 rwm",    // /dev/random
    "c 1:9 rwm",    // /dev/urandom
    "c 5:0 rwm",    // /dev/tty
    "c 5:1 rwm",    // /dev/console
    "c 5:2 rwm",    // /dev/ptmx
    "c 10:229 rwm", // /dev/fuse
    "c 10:200 rwm", // /dev/net/tun
};

} // namespace

std::vector<std::pair<std::string, std::string>> default_device_cgroup_keys(bool cgroup2) {
    const std::string prefix = cgroup2 ? "lxc.cgroup2.devices." : "lxc.cgroup.devices.";
    std::vector<std::pair<std::string, std::string>> keys{{prefix + "deny", "a"}};
    for (const char *rule : kAllowed)
        keys.emplace_back(prefix + "allow", rule);
    return keys;
}

bool default_device_allows(const std::string &rule) {
    // rule is "<type> <major>:<minor> rwm"; the policy's wildcard minor covers every minor.
    const size_t colon = rule.find(':');
    const size_t space = rule.find(' ', colon);
    if (colon == std::string::npos || space == std::string::npos)
        return false;
    const std::string wildcard = rule.substr(0, colon + 1) + "*" + rule.substr(space);
    for (const std::string allowed : kAllowed)
        if (allowed == rule || allowed == wildcard)
            return true;
    return false;
}

} // namespace lxdp_lxc
