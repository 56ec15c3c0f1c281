// Instance backups: tarballs laid out as upstream's (backup/index.yaml, backup/container/...),
// written under backups/instances/<instance>/, exported, and imported as new instances.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/BackupQueries.h"
#include "services/ProjectPolicy.h"

namespace lxdp::daemon { struct Paths; }
namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }
namespace lxdp::ops { class Operation; }

namespace lxdp::services {

class InstanceService;
class StorageService;

// What POST /1.0/instances/<name>/backups asks for, checked by prepare().
struct BackupRequest {
    std::string name;
    std::string expiresAt;
    bool instanceOnly = false;
    std::string compression;
    bool optimized = false;  // optimized_storage: the driver's streams where it has them
};

// Where an import goes: X-LXD-pool and X-LXD-name, empty for "as the backup says".
struct ImportTarget {
    std::string project = "default";
    std::string pool;
    std::string name;
};

class BackupService {
public:
    BackupService(const daemon::Paths& paths, db::Database& db, events::EventHub& events, InstanceService& instances,
                  StorageService& storage)
        : paths_(paths), db_(db), events_(events), instances_(instances), storage_(storage) {}

    std::vector<db::BackupRecord> list(const std::string& project, const std::string& instance);
    db::BackupRecord get(const std::string& project, const std::string& instance, const std::string& name);
    nlohmann::json render(const db::BackupRecord& backup);

    // The synchronous checks of a create: instance exists, name free and valid (backupN when
    // empty), compression one we can write (the server's backups.compression_algorithm, else gzip).
    BackupRequest prepare(const std::string& project, const std::string& instance, const nlohmann::json& body);
    void create(const std::string& project, const std::string& instance, const BackupRequest& req, ops::Operation& op);
    void rename(const std::string& project, const std::string& instance, const std::string& from, const std::string& to);
    void remove(const std::string& project, const std::string& instance, const std::string& name);
    std::string tarballPath(const db::BackupRecord& backup) const;

    // Creates the instance a backup tarball describes and fills its volume from it. A name
    // already in use is a 409, a malformed tarball a 400; on any failure nothing stays behind.
    // Returns the new instance's name.
    std::string import(const ImportTarget& target, const std::string& tarballPath, ops::Operation& op);

private:
    // The root disk of an imported instance (or of one of its snapshots) goes to the chosen pool.
    void placeRootDisk(db::InstanceRecord& rec, const std::string& poolName);

    const daemon::Paths& paths_;
    db::Database& db_;
    events::EventHub& events_;
    InstanceService& instances_;
    StorageService& storage_;
    ProjectPolicy policy_{db_};
};

}  // namespace lxdp::services
