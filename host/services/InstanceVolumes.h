// What the files of InstanceService share about volumes: the volumes of an instance and of its
// snapshots, the config keys that belong to a volume's data, and the API URLs.
#pragma once

#include <string>

#include "config/Devices.h"
#include "db/Records.h"
#include "plugins/StorageDriver.h"

namespace lxdp::services {

inline plugins::VolumeRef instanceVolume(const std::string& project, const std::string& name) {
    plugins::VolumeRef v;
    v.type = LXDP_VOLUME_CONTAINER;
    v.project = project;
    v.name = name;
    return v;
}

// The storage ABI names a snapshot volume "<instance>/<snapshot>".
inline plugins::VolumeRef snapshotVolume(const std::string& project, const std::string& instance,
                                         const std::string& snapshot) {
    return instanceVolume(project, instance + "/" + snapshot);
}

// The volatile keys that say how the data on an instance volume is shifted: they belong to the
// data, so a restore takes them from the snapshot and a copy from its source.
inline bool describesVolumeData(const std::string& key) {
    return key.rfind("volatile.idmap.", 0) == 0 || key == "volatile.last_state.idmap";
}

// A snapshot's own root disk names the pool of its instance's volume, as upstream keeps it: a
// restore then brings back a root disk on the pool the volume is on.
inline void pointRootDiskAt(db::DeviceMap& localDevices, const std::string& pool) {
    if (auto root = config::findRootDisk(localDevices)) localDevices[root->first]["pool"] = pool;
}

inline std::string instanceUrl(const std::string& name) { return "/1.0/instances/" + name; }

inline std::string snapshotUrl(const std::string& instance, const std::string& snapshot) {
    return instanceUrl(instance) + "/snapshots/" + snapshot;
}

}  // namespace lxdp::services
