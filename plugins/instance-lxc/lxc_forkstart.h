// Containers start in lxdp-forkstart (lxdp_forkstart.c), a helper built and installed beside this
// plugin and run through the host's run_command: liblxc's monitor, which lives as long as the
// container, is a fork of whoever calls start(), and a fork of that small program holds liblxc
// and libc only, where a fork of the daemon kept all of the daemon's pages.
#pragma once

#include "lxc_common.h"

#include <string>

namespace lxdp_lxc {

// Starts the container from the liblxc config saved in its directory; true once it runs. When
// false, why holds what the helper said ("" when it only exited 1: liblxc's reasons are in
// lxc.log).
bool forkstart(const Driver &drv, const InstanceView &inst, std::string &why);

} // namespace lxdp_lxc
