// limits.read, limits.write and limits.max of disk devices, as upstream applies them: a byte rate
// ("10MB") or an operation rate ("100iops") throttles the container's I/O on each block device
// under the disk (the instance volume for the root disk, the source for the others), summed over
// the disks that share a block device, through the container's cgroup (cgroup2 io.max, v1
// blkio.throttle.*). A host without that controller runs the container unthrottled, as for the
// other limits (lxc_limits.cpp).
#pragma once

#include "lxc_common.h"

#include <string>
#include <utility>
#include <vector>

namespace lxdp_lxc {

// The cgroup items (controller file, "major:minor value") that throttle inst's disks, in the
// running hierarchy's names. LXDP_E_INVAL naming the device for a bad value or a disk with a
// limit and no block device under it (a tmpfs source, say).
std::vector<std::pair<std::string, std::string>> disk_io_cgroup_items(const InstanceView &inst);

// Applies to the running container the disk throttles that differ between before and after; a
// block device no longer limited goes back to no limit.
void update_disk_io_limits(const Driver &drv, const InstanceView &before, const InstanceView &after);

// A disk of a running container changed in place (device_update) when only its I/O limits
// changed: update, which follows every change, sets the throttles. LXDP_E_NOTSUP for any other
// key, and the host remounts the disk (removes it and adds it again).
void disk_update(const InstanceView &before, const InstanceView &after, const std::string &device);

} // namespace lxdp_lxc
