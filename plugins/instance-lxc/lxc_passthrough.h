// usb, unix-hotplug and gpu (physical) devices of containers: the host's device nodes that match
// the device's keys, found through libudev, go in as unix-char (or unix-block) nodes with the
// device's uid, gid and mode (lxc_unix_dev.h), at start, by hot-plug, and as they are plugged
// (lxc_device_monitor.h).
#pragma once

#include "lxc_common.h"

#include <utility>
#include <vector>

namespace lxdp_lxc {

// The unix-char/unix-block devices (configs as lxc_unix_dev.h reads them) that carry out one usb,
// unix-hotplug or gpu device: one per matching host node, at the node's own path. A usb device
// matches USB devices by their idVendor/idProduct; a unix-hotplug device matches the nodes udev
// gave ID_VENDOR_ID/ID_MODEL_ID, of any subsystem but USB's own, as upstream's. No match: a usb or
// unix-hotplug device that is required (default false) and a gpu device are LXDP_E_NOTFOUND
// naming what was looked for; an optional one has none.
std::vector<DeviceConfig> passthrough_nodes(const std::string &device, const DeviceConfig &cfg);

// One host device node, as a scan or a plug event finds it.
struct HostNode {
    std::string devnode; // its path on the host, /dev/...
    uint32_t major_nr = 0;
    uint32_t minor_nr = 0;
    bool block = false;
};

// Whether a usb or unix-hotplug device selects a device of these ids: each of vendorid and
// productid that is set must be equal (4 hex digits, lower case, as udev and the kernel print).
bool ids_match(const DeviceConfig &cfg, const std::string &vendor, const std::string &product);

// The unix-char/unix-block config that brings node in for the device cfg, at the node's own
// path, with the device's uid, gid and mode, and the node's numbers.
DeviceConfig node_config(const DeviceConfig &cfg, const HostNode &node);

} // namespace lxdp_lxc
