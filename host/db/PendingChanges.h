// The pending_changes table: changes that span the database and a storage pool, recorded in
// the transaction of their first record and removed in that of their last, so the start after a
// crash knows which of them to settle (services/InterruptedChanges.cpp).
#pragma once

#include <string>
#include <vector>

namespace lxdp::db {

class Database;

struct PendingChange {
    std::string kind;     // one of the kPending* names below
    std::string project;
    std::string name;     // the instance, "<instance>/<snapshot>", or the custom volume
    std::string pool;
    std::string detail;   // the new name of a rename; "thaw" for a snapshot of a running instance
    std::string started;  // RFC 3339, for the log
};

inline constexpr const char* kPendingCreate = "instance-create";
inline constexpr const char* kPendingDelete = "instance-delete";
inline constexpr const char* kPendingRename = "instance-rename";
inline constexpr const char* kPendingSnapshot = "snapshot-create";
// Custom volumes (VolumeService settles these; the instance kinds are InstanceService's).
inline constexpr const char* kPendingVolumeDelete = "volume-delete";
inline constexpr const char* kPendingVolumeRename = "volume-rename";

// Joins the caller's transaction when there is one.
void recordPendingChange(Database& db, const PendingChange& change);
void clearPendingChange(Database& db, const std::string& kind, const std::string& project, const std::string& name);
std::vector<PendingChange> pendingChanges(Database& db);

}  // namespace lxdp::db
