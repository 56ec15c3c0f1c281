#include "services/RootDiskSize.h"

#include "config/Devices.h"
#include "plugins/PluginRegistry.h"
#include "plugins/StorageDriver.h"

namespace lxdp::services {

std::string rootDiskSize(const db::DeviceMap& expandedDevices) {
    auto root = config::findRootDisk(expandedDevices);
    if (!root) return "";
    auto size = root->second.find("size");
    return size != root->second.end() ? size->second : "";
}

void applyRootDiskSize(plugins::PluginRegistry& plugins, const db::PoolRecord& poolRecord, plugins::StoragePool& pool,
                       const plugins::VolumeRef& vol, const std::string& size) {
    const auto* driver = plugins.storageDriver(poolRecord.driver);
    if (driver == nullptr || (driver->flags() & LXDP_STORAGE_QUOTAS) == 0) return;
    pool.setVolumeSize(vol, size);
}

}  // namespace lxdp::services
