// usb and gpu (physical) devices of containers: the host's device nodes that match the device's
// keys, found through libudev, go in as unix-char nodes with the device's uid, gid and mode
// (lxc_unix_dev.h), at start and by hot-plug.
#pragma once

#include "lxc_common.h"

#include <utility>
#include <vector>

namespace lxdp_lxc {

// The unix-char devices (configs as lxc_unix_dev.h reads them) that carry out one usb or gpu
// device: one per matching host node, at the node's own path. No match: a usb device that is
// required (default false) and a gpu device are LXDP_E_NOTFOUND naming what was looked for; an
// optional usb device has none.
std::vector<DeviceConfig> passthrough_nodes(const std::string &device, const DeviceConfig &cfg);

} // namespace lxdp_lxc
