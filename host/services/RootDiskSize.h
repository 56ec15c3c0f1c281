// The root disk's `size` of an instance, applied as the quota of its volume.
#pragma once

#include <string>

#include "db/Records.h"

namespace lxdp::plugins {
class PluginRegistry;
class StoragePool;
struct VolumeRef;
}  // namespace lxdp::plugins

namespace lxdp::services {

// The size of the root disk among an instance's expanded devices; "" when it has none.
std::string rootDiskSize(const db::DeviceMap& expandedDevices);

// Sets size ("" lifts it) on the instance volume vol of the pool poolRecord describes, when the
// pool's driver enforces quotas (LXDP_STORAGE_QUOTAS). On other drivers the size is ignored, as
// upstream's dir driver ignores it on filesystems without project quotas.
void applyRootDiskSize(plugins::PluginRegistry& plugins, const db::PoolRecord& poolRecord, plugins::StoragePool& pool,
                       const plugins::VolumeRef& vol, const std::string& size);

}  // namespace lxdp::services
