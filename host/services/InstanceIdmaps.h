// The id maps the daemon chooses for containers, as upstream does: an isolated container's own
// range (the daemon alone sees every container, so it picks the range) and raw.idmap's entries
// laid over the container's range. The map goes to the instance driver as volatile.idmap.next
// (upstream's JSON map), which the driver shifts the rootfs to and maps.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "db/Records.h"

namespace lxdp::db { class Database; }

namespace lxdp::services {

using VolatileRecorder = std::function<void(const std::map<std::string, std::string>& keys)>;

// Before rec is created or started, given its expanded config: an unprivileged container with
// security.idmap.isolated or raw.idmap gets a volatile.idmap.next of its own (recorded through
// record, under the allocation's lock) when the one it has differs.
// The base range: with security.idmap.isolated, security.idmap.size ids (65536 without), at
// security.idmap.base when set, else the first free ones of root's subordinate range
// (/etc/subuid, /etc/subgid) past its first 65536, which the other containers share; a range
// it holds already stays while no other isolated container holds it too (a copy's, taken from
// its source, does not). Without it, root's whole subordinate range, as the driver's default.
// Each raw.idmap entry then maps its container ids to its host ids and the base range is split
// around them (the other container ids keep their host ids).
// Returns whether it recorded anything; 400 when the range is full or a raw.idmap entry names
// host ids of the base range.
bool assignInstanceIdmap(db::Database& db, const db::InstanceRecord& rec, const db::StringMap& expandedConfig,
                         const VolatileRecorder& record);

}  // namespace lxdp::services
