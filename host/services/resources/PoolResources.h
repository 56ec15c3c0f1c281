// GET /1.0/storage-pools/<pool>/resources: space from the pool's driver (pool_usage), inodes
// from the host's statvfs of where the pool lives, since the storage ABI has no inode entry.
#pragma once

#include <nlohmann/json.hpp>

#include "db/Records.h"

namespace lxdp::plugins { class StoragePool; }

namespace lxdp::services::resources {

// poolsDir is the daemon's storage-pools folder, where drivers mount their pools.
nlohmann::json poolResources(const db::PoolRecord& record, plugins::StoragePool& pool, const std::string& poolsDir);

}  // namespace lxdp::services::resources
