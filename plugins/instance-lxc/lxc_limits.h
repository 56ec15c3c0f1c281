// The resource limits of a container (limits.memory, limits.processes, limits.cpu) as cgroup
// items: one table serves the liblxc config written at start and the live changes of a running
// container, so both always agree on names and values.
#pragma once

#include "lxc_common.h"

#include <string>
#include <utility>
#include <vector>

namespace lxdp_lxc {

// True when the host has the unified cgroup2 hierarchy only.
bool cgroup2_only();

// Whether the host has the controller of a cgroup item ("cpuset" of "cpuset.cpus"): a limit
// whose controller is missing (cpuset is often not delegated on cgroup2 hosts) is left out
// rather than failing the start, as the container runs unlimited there anyway.
bool controller_available(const std::string &item, bool v2);

// Sizes as upstream's units: "512MB", "1GiB", plain bytes.
int64_t parse_size(std::string_view key, std::string_view v);

// Checks the values of the limits.* keys this driver carries out.
void validate_limits(const InstanceView &inst);

// The cgroup items (controller file, value) of the limits inst sets, in the running hierarchy's
// names (cgroup2's memory.max or v1's memory.limit_in_bytes, ...); limits whose controller the
// host lacks are left out.
std::vector<std::pair<std::string, std::string>> limit_cgroup_items(const InstanceView &inst);

// Applies to the running container the limits that differ between before and after; a limit
// removed goes back to "no limit". LXDP_E_INVAL naming the item when the kernel refuses a value
// (a memory limit below what the container uses, say).
void update_limits(const Driver &drv, const InstanceView &before, const InstanceView &after);

} // namespace lxdp_lxc
