// The liblxc configuration of an instance, always rebuilt from the instance record so that it
// is never stale.
#pragma once

#include "lxc_common.h"
#include "lxc_idmap.h"
#include "lxc_nic.h"

namespace lxdp_lxc {

// Replaces c's config with the one inst describes, with nics as its network interfaces, and
// saves it to <lxcpath>/<name>/config.
void write_lxc_config(const Driver &drv, const InstanceView &inst, const Idmap &idmap, const std::vector<Nic> &nics,
                      Container &c);

// Checks the keys whose meaning belongs to this driver (raw.lxc, limits.*, environment.*).
void validate_config(const InstanceView &inst);

} // namespace lxdp_lxc
