// The SQL of instance snapshots (table instance_snapshots).
#pragma once

#include <map>

#include <optional>
#include <string>
#include <vector>

#include "db/SnapshotRecords.h"

namespace lxdp::db {

class Database;

// Oldest first, as upstream lists them.
std::vector<InstanceSnapshotRecord> instanceSnapshots(Database& db, const std::string& project,
                                                      const std::string& instance);
// Every snapshot of a project's instances, by instance, each oldest first: one query for a list.
std::map<std::string, std::vector<InstanceSnapshotRecord>> projectInstanceSnapshots(Database& db,
                                                                                   const std::string& project);
std::optional<InstanceSnapshotRecord> instanceSnapshot(Database& db, const std::string& project,
                                                       const std::string& instance, const std::string& name);
void createInstanceSnapshot(Database& db, const InstanceSnapshotRecord& snapshot);
// Stores the user-editable fields: description and expiry.
void updateInstanceSnapshot(Database& db, const InstanceSnapshotRecord& snapshot);
// Stores a snapshot's devices: its root disk follows the instance to another pool.
void setInstanceSnapshotDevices(Database& db, const InstanceSnapshotRecord& snapshot);
void renameInstanceSnapshot(Database& db, const std::string& project, const std::string& instance,
                            const std::string& from, const std::string& to);
void deleteInstanceSnapshot(Database& db, const std::string& project, const std::string& instance,
                            const std::string& name);
// An instance's snapshots follow it when it is renamed and go when it is deleted.
void moveInstanceSnapshots(Database& db, const std::string& project, const std::string& from, const std::string& to);
void deleteInstanceSnapshots(Database& db, const std::string& project, const std::string& instance);

}  // namespace lxdp::db
