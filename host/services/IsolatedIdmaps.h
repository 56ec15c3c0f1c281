// Host id ranges of containers with security.idmap.isolated, allocated as upstream does: the
// daemon alone sees every container, so it picks the range and hands it to the instance driver as
// volatile.idmap.next (upstream's JSON map), which the driver shifts the rootfs to and maps.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "db/Records.h"

namespace lxdp::db { class Database; }

namespace lxdp::services {

using VolatileRecorder = std::function<void(const std::map<std::string, std::string>& keys)>;

// Before rec is created or started, given its expanded config: an unprivileged container with
// security.idmap.isolated gets a volatile.idmap.next of its own (recorded through record, under
// the allocation's lock) when it has none yet, or one of another size, or one another isolated
// container holds too (a copy's, taken from its source): security.idmap.size ids (65536
// without), at security.idmap.base when set, else the first free ones of root's subordinate
// range (/etc/subuid, /etc/subgid) past its first 65536, which the other containers share.
// Returns whether it recorded anything; 400 when the range is full.
bool assignIsolatedIdmap(db::Database& db, const db::InstanceRecord& rec, const db::StringMap& expandedConfig,
                         const VolatileRecorder& record);

}  // namespace lxdp::services
