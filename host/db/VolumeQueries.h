// The SQL of storage volumes by pool (table storage_volumes) and of their snapshots
// (table storage_volume_snapshots); Database keeps the lookups instances need.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/Records.h"
#include "db/SnapshotRecords.h"

namespace lxdp::db {

class Database;

std::optional<VolumeRecord> poolVolume(Database& db, const std::string& pool, const std::string& project, int type,
                                       const std::string& name);
// Stores the user-editable fields: description and config.
void updateVolume(Database& db, const VolumeRecord& volume);

// Oldest first.
std::vector<VolumeSnapshotRecord> volumeSnapshots(Database& db, const std::string& pool, const std::string& project,
                                                  int type, const std::string& volume);
std::optional<VolumeSnapshotRecord> volumeSnapshot(Database& db, const std::string& pool, const std::string& project,
                                                   int type, const std::string& volume, const std::string& name);
void createVolumeSnapshot(Database& db, const VolumeSnapshotRecord& snapshot);
// Stores the user-editable fields: description and expiry.
void updateVolumeSnapshot(Database& db, const VolumeSnapshotRecord& snapshot);
void renameVolumeSnapshot(Database& db, const VolumeSnapshotRecord& snapshot, const std::string& to);
void deleteVolumeSnapshot(Database& db, const VolumeSnapshotRecord& snapshot);
// A volume's snapshots follow it when it is renamed and go when it is deleted.
void moveVolumeSnapshots(Database& db, const VolumeRecord& volume, const std::string& to);
void deleteVolumeSnapshots(Database& db, const VolumeRecord& volume);

}  // namespace lxdp::db
