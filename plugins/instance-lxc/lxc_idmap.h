// Id maps of unprivileged containers: defaults, the upstream JSON form, and rootfs shifting.
#pragma once

#include "lxc_common.h"

#include <optional>
#include <string>
#include <vector>

namespace lxdp_lxc {

struct IdmapEntry {
    bool isuid = false;
    bool isgid = false;
    int64_t hostid = 0;
    int64_t nsid = 0;
    int64_t maprange = 0;
    bool operator==(const IdmapEntry &) const = default;
};

// An empty map means no user namespace: container ids are host ids (privileged containers).
using Idmap = std::vector<IdmapEntry>;

// The map a container of this config gets: none when privileged, the daemon's
// volatile.idmap.next with security.idmap.isolated or raw.idmap, else root's range from
// /etc/subuid and /etc/subgid, else upstream's default 1000000:1000000000.
Idmap instance_idmap(const InstanceView &inst);
// The map the rootfs on disk is shifted to (volatile.last_state.idmap). Without a record the
// disk is as the image shipped it: host ids are container ids.
Idmap disk_idmap(const InstanceView &inst);

std::string idmap_to_json(const Idmap &map);
Idmap idmap_from_json(std::string_view json);
// lxc.idmap values: "u 0 1000000 1000000000".
std::vector<std::string> idmap_lxc_values(const Idmap &map);
// The first host uid of the map, as volatile.idmap.base reports it.
int64_t idmap_base(const Idmap &map);

std::optional<int64_t> idmap_to_host(const Idmap &map, int64_t nsid, bool uid);
std::optional<int64_t> idmap_to_ns(const Idmap &map, int64_t hostid, bool uid);

// Re-owns every inode of <volume_path>/rootfs from the `from` map to the `to` map, with ACLs and
// file capabilities.
void shift_rootfs(const Driver &drv, const std::string &volume_path, const Idmap &from, const Idmap &to,
                  lxdp_op *op);

// The same for the tree at path (a custom volume's data), which must not be a symlink.
void shift_tree(const Driver &drv, const std::string &path, const Idmap &from, const Idmap &to, lxdp_op *op);

} // namespace lxdp_lxc
