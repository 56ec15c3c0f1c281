// What an instance backup says about its instance (upstream's backup.yaml / the config of
// index.yaml), where backup tarballs live, and keeping backup.yaml current in the volume so
// recovery and upstream's import can rebuild the records.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/Records.h"
#include "db/SnapshotRecords.h"

namespace lxdp::daemon { struct Paths; }
namespace lxdp::db { class Database; }

namespace lxdp::services {

class InstanceService;
class StorageService;

// {container, snapshots, profiles, pool, volume, volume_snapshots}: the instance and its snapshots
// as GET renders them, its profiles, pool, volume and the volume's snapshots (upstream 5.0's
// backup.yaml).
nlohmann::json backupConfig(InstanceService& instances, StorageService& storage, db::Database& db,
                            const db::InstanceRecord& rec);

// Rewrites <volume>/backup.yaml; a failure is logged, never raised: the file is a recovery aid
// and must not fail the change that triggered it.
void writeBackupYaml(InstanceService& instances, StorageService& storage, db::Database& db,
                     const db::InstanceRecord& rec, const std::string& volumePath);

// ---- Reading a backup config: backup.yaml in a volume (recovery), or the config of a tarball's
// index.yaml (import). It comes from outside: a value of the wrong kind is a BadRequest naming it.

// The string at key ("" when absent).
std::string backupText(const nlohmann::json& j, const char* key);
// A map of strings (config), and a map of such maps (devices); null is empty.
db::StringMap backupMap(const nlohmann::json& j);
db::DeviceMap backupDevices(const nlohmann::json& j);
// The instance that config["container"] describes, placed in project under name.
db::InstanceRecord instanceFromBackup(const nlohmann::json& container, const std::string& project,
                                      const std::string& name);
// The name a "snapshots" entry gives, without the "<instance>/" prefix LXD 3 wrote.
std::string backupSnapshotName(const nlohmann::json& entry);
// The snapshot records for the snapshot names a backup holds (its tarball or its volume), from
// config["snapshots"]; a name without an entry gets the instance's own config (as upstream's
// import does for index-only snapshots). BadRequest for an invalid or repeated name.
std::vector<db::InstanceSnapshotRecord> snapshotsFromBackup(const nlohmann::json& config,
                                                            const std::vector<std::string>& names,
                                                            const db::InstanceRecord& parent);

// backups/instances/<name> (<project>_<name> outside the default project).
std::string backupsDir(const daemon::Paths& paths, const std::string& project, const std::string& instance);

// Deletes every backup of an instance, tarballs and records (the instance is going away).
void removeBackupsOf(const daemon::Paths& paths, db::Database& db, const std::string& project,
                     const std::string& instance);

}  // namespace lxdp::services
