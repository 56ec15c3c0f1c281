// Every SQL statement of the daemon lives behind this class, so the same queries can move to
// dqlite later. Maps and lists are stored as JSON text columns: a list endpoint is one query.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "db/Records.h"

namespace Poco::Data { class Session; }

namespace lxdp::db {

class Database {
public:
    // Opens (creating if needed) the SQLite file and applies pending schema migrations.
    explicit Database(const std::string& path);
    ~Database();

    int schemaVersion();

    // Runs fn inside one transaction; any exception rolls everything back.
    void transaction(const std::function<void()>& fn);

    // Read on every request (CORS headers, GET /1.0), so kept in memory: the copy is rebuilt
    // from the table after a write to it, a rollback, or raw SQL (forgetCachedReads).
    StringMap serverConfig();
    void setServerConfig(const StringMap& config);
    // Raw SQL (lxd sql, patch files) may have changed any table behind the cached reads.
    void forgetCachedReads();

    // Differs from every earlier stamp once any table may have changed: rows written on this
    // connection (rolled back ones included), raw SQL, another process writing the file. What
    // is derived from the tables may be kept while the stamp read before reading them is equal.
    struct ChangeStamp {
        int64_t changes = -1;       // sqlite3_total_changes64
        unsigned dataVersion = 0;   // SQLITE_FCNTL_DATA_VERSION: commits by any connection
        uint64_t forgotten = 0;     // forgetCachedReads calls (schema changes count no rows)
        bool operator==(const ChangeStamp&) const = default;
    };
    ChangeStamp changeStamp();

    std::vector<ProjectRecord> projects();
    std::optional<ProjectRecord> project(const std::string& name);
    void createProject(const ProjectRecord& project);
    void updateProject(const ProjectRecord& project);
    void renameProject(const std::string& from, const std::string& to);
    void deleteProject(const std::string& name);

    // Cached as serverConfig() is: GET /1.0 lists the pools' drivers.
    std::vector<PoolRecord> pools();
    std::optional<PoolRecord> pool(const std::string& name);
    void createPool(const PoolRecord& pool);
    void updatePool(const PoolRecord& pool);
    void deletePool(const std::string& name);

    std::vector<ProfileRecord> profiles(const std::string& project);
    std::optional<ProfileRecord> profile(const std::string& project, const std::string& name);
    void createProfile(const ProfileRecord& profile);
    void updateProfile(const ProfileRecord& profile);
    void renameProfile(const std::string& project, const std::string& from, const std::string& to);
    void deleteProfile(const std::string& project, const std::string& name);

    std::vector<ImageRecord> images(const std::string& project);
    std::optional<ImageRecord> image(const std::string& project, const std::string& fingerprint);
    // Images whose fingerprint starts with prefix (the caller checked it is hex).
    std::vector<ImageRecord> imagesByPrefix(const std::string& project, const std::string& prefix);
    void createImage(const ImageRecord& image);
    void updateImage(const ImageRecord& image);
    void deleteImage(const std::string& project, const std::string& fingerprint);

    std::vector<AliasRecord> aliases(const std::string& project);
    std::optional<AliasRecord> alias(const std::string& project, const std::string& name);
    void createAlias(const AliasRecord& alias);
    void updateAlias(const AliasRecord& alias);
    void renameAlias(const std::string& project, const std::string& from, const std::string& to);
    void deleteAlias(const std::string& project, const std::string& name);

    std::vector<InstanceRecord> instances(const std::string& project);
    // The names only, sorted: what a list without recursion needs, without parsing every row.
    std::vector<std::string> instanceNames(const std::string& project);
    std::optional<InstanceRecord> instance(const std::string& project, const std::string& name);
    void createInstance(const InstanceRecord& instance);
    void updateInstance(const InstanceRecord& instance);
    void renameInstance(const std::string& project, const std::string& from, const std::string& to);
    void deleteInstance(const std::string& project, const std::string& name);

    std::vector<VolumeRecord> volumes(const std::string& pool);
    // The volume of an instance or image, wherever its pool is.
    std::optional<VolumeRecord> volume(const std::string& project, int type, const std::string& name);
    void createVolume(const VolumeRecord& volume);
    void renameVolume(const std::string& pool, const std::string& project, int type, const std::string& from,
                      const std::string& to);
    void deleteVolume(const std::string& pool, const std::string& project, int type, const std::string& name);

    // For the query files of each API area (db/*Queries.cpp): fn(session) under the database lock.
    template <class F>
    auto withSession(F&& fn) {
        std::lock_guard lock(mutex_);
        return fn(*session_);
    }

private:
    void migrate();

    const std::string path_;
    std::recursive_mutex mutex_;
    std::unique_ptr<Poco::Data::Session> session_;
    // Guarded by mutex_; empty until read, emptied by any write that may change them.
    std::optional<StringMap> serverConfig_;
    std::optional<std::vector<PoolRecord>> pools_;
    uint64_t forgotten_ = 0;
};

}  // namespace lxdp::db
