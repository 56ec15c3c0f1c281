// Devices added to and removed from a running container (ABI 1.2 device_add/device_remove),
// reusing what a start does for each type: NICs (lxc_hotplug_nic.cpp), disks and unix devices
// (lxc_hotplug_mount.cpp), usb, unix-hotplug and gpu as their nodes; usb and unix-hotplug
// devices then follow plugs (lxc_device_monitor.h). A type that cannot change live is LXDP_E_NOTSUP naming the device.
#pragma once

#include "lxc_common.h"
#include "lxc_nic.h"

#include <string>

namespace lxdp_lxc {

// inst: the instance with the device; keys to record go to volatile_out.
void device_add(const Driver &drv, const InstanceView &inst, const lxdp_device &device,
                const lxdp_kv_sink *volatile_out);
// inst: the instance as it was with the device, volatile keys included.
void device_remove(const Driver &drv, const InstanceView &inst, const lxdp_device &device);
// before, after: the instance as it was and is now; LXDP_E_NOTSUP where the change cannot be
// made in place (the host then removes the device and adds it again).
void device_update(const Driver &drv, const InstanceView &before, const InstanceView &after, const lxdp_device &device);

// Per type.
void nic_add(const Driver &drv, const InstanceView &inst, const std::string &device, const lxdp_kv_sink *volatile_out);
void nic_remove(const Driver &drv, const InstanceView &inst, const std::string &device);
void nic_update(const Driver &drv, const InstanceView &before, const InstanceView &after, const std::string &device);
void disk_add(const Driver &drv, const InstanceView &inst, const lxdp_device &device);
void disk_remove(const Driver &drv, const InstanceView &inst, const lxdp_device &device);
// unix-char, unix-block, and the nodes of usb, unix-hotplug and gpu devices (a usb or
// unix-hotplug device's plugged in since included).
void unix_add(const Driver &drv, const InstanceView &inst, const lxdp_device &device);
void unix_remove(const Driver &drv, const InstanceView &inst, const lxdp_device &device);
// One node (a unix-char/unix-block config) of device into or out of the running container: made,
// allowed by the device cgroup and mounted; unmounted, denied and removed.
void unix_node_add(const Driver &drv, const InstanceView &inst, const char *device, const DeviceConfig &cfg);
void unix_node_remove(const Driver &drv, const InstanceView &inst, const char *device, const DeviceConfig &cfg);

// What liblxc does at start with a NIC's address, gateway and router-mode keys, done for a NIC
// hot-plugged into the running container of init pid (lxc_hotplug_nic_keys.cpp): the refusal,
// before anything is made, of a gateway where the container has a default route already, and
// the setup once the NIC is inside and up.
void check_live_gateways(const Driver &drv, pid_t pid, const Nic &nic);
void apply_live_keys(const Driver &drv, pid_t pid, const Nic &nic);

} // namespace lxdp_lxc
