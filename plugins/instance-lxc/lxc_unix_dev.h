// unix-char and unix-block devices (and the nodes of usb, unix-hotplug and gpu devices): the node is made on the host, under
// $LXD_DIR/devices/<container>/, with the owner and mode the device asks for (in the container's
// id map), and bind-mounted at its path; the device cgroup lets the container use it.
#pragma once

#include "lxc_common.h"
#include "lxc_idmap.h"

#include <optional>
#include <utility>
#include <vector>

namespace lxdp_lxc {

// One device's node on the host and where it goes.
struct UnixNode {
    std::string node;   // host path under $LXD_DIR/devices/<container>/
    std::string target; // inside, relative to the container's root
    bool block = false;
    uint32_t major_nr = 0;
    uint32_t minor_nr = 0;
    // The device cgroup's rule for it: "c 1:5 rwm".
    std::string cgroup_rule() const;
};

// The node configs (unix-char/unix-block keys) one device needs: itself for unix-char and
// unix-block, the matching host nodes for usb, unix-hotplug and gpu (lxc_passthrough.h), none for
// other types.
std::vector<DeviceConfig> unix_node_configs(const std::string &device, const DeviceConfig &cfg);

// Where the node of one unix-char/unix-block device lives and goes (nothing made; the numbers
// left at 0).
UnixNode unix_node_path(const Driver &drv, const InstanceView &inst, const std::string &device,
                        const DeviceConfig &cfg);

// Makes the node of one device afresh. A missing source of a required device (the default) is
// LXDP_E_NOTFOUND; of an optional one, nullopt.
std::optional<UnixNode> make_unix_node(const Driver &drv, const InstanceView &inst, const std::string &device,
                                       const DeviceConfig &cfg, const Idmap &idmap);

// Makes the nodes of the instance's unix-char/unix-block/usb/unix-hotplug/gpu devices afresh, and
// those of more (device name, unix-char config: the character devices of infiniband NICs), and
// returns the liblxc keys that bring them in (lxc.mount.entry, the cgroup's devices.allow).
std::vector<std::pair<std::string, std::string>>
prepare_unix_devices(const Driver &drv, const InstanceView &inst, const Idmap &idmap, bool cgroup2,
                     const std::vector<std::pair<std::string, DeviceConfig>> &more);

// Removes the instance's device nodes directory.
void remove_unix_devices(const Driver &drv, const InstanceView &inst);

} // namespace lxdp_lxc
