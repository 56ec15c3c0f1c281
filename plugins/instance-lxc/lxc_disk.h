// disk devices other than the root disk: a host path or a custom volume (the host hands the
// volume over mounted, with its host path as source) bind-mounted at the device's path.
#pragma once

#include "lxc_common.h"
#include "lxc_idmap.h"

#include <optional>
#include <utility>
#include <vector>

namespace lxdp_lxc {

// One disk as it goes into the container.
struct DiskMount {
    std::string source; // host path
    std::string target; // inside, relative to the container's root
    bool dir = false;   // the source is a directory (else a file)
    bool recursive = false;
    bool readonly = false;
};

// The mount of one disk device (not the root disk), checked. A custom volume marked
// "lxdp.volume_shift" whose data is still owned by host ids outside the container's map (a new
// volume) is first re-owned into idmap, as upstream shifts a volume on first attach. A missing
// source of a required disk (the default) is LXDP_E_NOTFOUND; of an optional one, nullopt.
std::optional<DiskMount> disk_mount(const Driver &drv, const InstanceView &inst, const std::string &device,
                                    const DeviceConfig &cfg, const Idmap &idmap, lxdp_op *op);

// The liblxc keys (lxc.mount.entry) that bring the instance's disks in at start.
std::vector<std::pair<std::string, std::string>> prepare_disks(const Driver &drv, const InstanceView &inst,
                                                               const Idmap &idmap, lxdp_op *op);

} // namespace lxdp_lxc
