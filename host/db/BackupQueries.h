// The instance_backups table: one row per backup tarball under backups/instances/<instance>/.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lxdp::db {

class Database;

struct BackupRecord {
    std::string project = "default";
    std::string instance;
    std::string name;
    std::string createdAt;
    std::string expiresAt;
    bool instanceOnly = false;
    bool optimizedStorage = false;
    std::string compression;
};

std::vector<BackupRecord> backups(Database& db, const std::string& project, const std::string& instance);
std::optional<BackupRecord> backup(Database& db, const std::string& project, const std::string& instance,
                                   const std::string& name);
void createBackup(Database& db, const BackupRecord& backup);
void renameBackup(Database& db, const std::string& project, const std::string& instance, const std::string& from,
                  const std::string& to);
void deleteBackup(Database& db, const std::string& project, const std::string& instance, const std::string& name);

}  // namespace lxdp::db
