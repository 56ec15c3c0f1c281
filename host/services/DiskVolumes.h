// Disk devices that attach a custom volume (type=disk, pool=, source=<volume>, path=): checked
// when a device is set, and handed to the instance driver as a host path.
#pragma once

#include <string>

#include "db/Records.h"

namespace lxdp::db { class Database; }

namespace lxdp::services {

class StorageService;

// 400 when a disk device names a pool or custom volume that does not exist. The volumes are those
// of the instance's project, or the default project's without features.storage.volumes.
void checkVolumeDisks(db::Database& db, const std::string& instanceProject, const db::DeviceMap& devices);

// Mounts the custom volume of each such disk and rewrites its source to the mounted host path,
// with "lxdp.volume_shift"="true" unless the volume is security.shifted: the driver then owns
// the volume's data with the instance's ids (instance.h). A volume that cannot be mounted is
// left as named, and the driver refuses the device at start.
void resolveVolumeDisks(db::Database& db, StorageService& storage, const std::string& instanceProject,
                        db::DeviceMap& devices);

}  // namespace lxdp::services
