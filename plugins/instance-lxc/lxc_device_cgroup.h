// The devices cgroup every container starts with, as upstream LXD's: everything denied, then
// the nodes any container needs. A device of the instance (unix-char, unix-block, usb, gpu) adds
// its own rule on top (lxc_unix_dev.h).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lxdp_lxc {

// The liblxc keys of the policy (lxc.cgroup.devices.* or lxc.cgroup2.devices.*), the deny first.
std::vector<std::pair<std::string, std::string>> default_device_cgroup_keys(bool cgroup2);

// Whether a node's rule ("c 1:3 rwm") is one the policy grants anyway: a device that goes away
// must not take such a rule with it (a unix-char of /dev/null would leave the container without it).
bool default_device_allows(const std::string &rule);

} // namespace lxdp_lxc
