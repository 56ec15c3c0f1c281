// unix-char and unix-block devices: the node is made on the host, under
// $LXD_DIR/devices/<container>/, with the owner and mode the device asks for (in the container's
// id map), and bind-mounted at its path; the device cgroup lets the container use it.
#pragma once

#include "lxc_common.h"
#include "lxc_idmap.h"

#include <utility>
#include <vector>

namespace lxdp_lxc {

// Makes the nodes of the instance's unix-char/unix-block devices afresh and returns the liblxc
// keys that bring them in (lxc.mount.entry, the cgroup's devices.allow). A missing source of a
// required device (the default) is LXDP_E_NOTFOUND; of an optional one, the device is skipped.
std::vector<std::pair<std::string, std::string>> prepare_unix_devices(const Driver &drv, const InstanceView &inst, const Idmap &idmap,
                                                                      bool cgroup2);

// Removes the instance's device nodes directory.
void remove_unix_devices(const Driver &drv, const InstanceView &inst);

} // namespace lxdp_lxc
