// What the device monitor (lxc_device_monitor.h) follows of one running container, and the copy
// of it kept in the container's directory: liblxc keeps the container running when the daemon
// stops, and a daemon that starts again reads the copies of the running ones to follow them
// again (DeviceMonitor::resume), as the notify server listens again for their monitors.
#pragma once

#include "lxc_common.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lxdp_lxc {

struct FollowedContainer {
    std::string project, name, volume_path;
    std::vector<std::pair<std::string, std::string>> config;
    std::map<std::string, DeviceConfig> devices; // its usb and unix-hotplug devices
    std::map<std::string, std::map<std::string, DeviceConfig>> plugged; // device -> devnode -> node
    uint64_t generation = 0; // tells a container that followed anew from the one a sweep saw
};

// The copy's path in the directory of the container liblxc names lxc_name.
std::string followed_path(const Driver &drv, const std::string &lxc_name);
// Writes f (its generation aside) to path, replacing what was there.
void save_followed(const std::string &path, const FollowedContainer &f);
// The copy at path; nullopt when there is none or it cannot be read whole.
std::optional<FollowedContainer> load_followed(const std::string &path);

} // namespace lxdp_lxc
