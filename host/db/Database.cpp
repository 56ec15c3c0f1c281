#include "db/Database.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <fstream>

#include "db/Schema.h"
#include "db/Sql.h"
#include "db/UnforkedWalIndex.h"
#include "util/FaultPoint.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Statement;

namespace lxdp::db {

using namespace sql;

Database::Database(const std::string& path) : path_(path) {
    Poco::Data::SQLite::Connector::registerConnector();
    useUnforkedWalIndex();
    session_ = std::make_unique<Poco::Data::Session>("SQLite", path);
    // WAL with synchronous=FULL: a write acknowledged to a client survives a SIGKILL of the
    // daemon and a power loss; readers never block the writer.
    try {
        *session_ << "PRAGMA journal_mode=WAL", now;
        *session_ << "PRAGMA synchronous=FULL", now;
        *session_ << "PRAGMA foreign_keys=ON", now;
        // A damaged file must stop the daemon with its name, never be taken for an empty database.
        std::string integrity;
        *session_ << "PRAGMA quick_check", into(integrity), now;
        if (integrity != "ok") throw std::runtime_error(integrity);
    } catch (const std::exception& e) {
        std::string what = e.what();
        if (auto* poco = dynamic_cast<const Poco::Exception*>(&e)) what = poco->displayText();
        throw std::runtime_error("the database " + path + " is damaged or unreadable: " + what);
    }
    migrate();
}

Database::~Database() = default;

int Database::schemaVersion() {
    std::lock_guard lock(mutex_);
    int version = 0;
    *session_ << "PRAGMA user_version", into(version), now;
    return version;
}

void Database::migrate() {
    const auto& migrations = schemaMigrations();
    const int current = schemaVersion();
    if (current > static_cast<int>(migrations.size()))
        throw std::runtime_error("the database schema (version " + std::to_string(current) +
                                 ") is newer than this daemon knows (" + std::to_string(migrations.size()) +
                                 "): refusing to touch it");
    if (current > 0 && current < static_cast<int>(migrations.size())) {
        // A copy from before the upgrade, for the administrator if a migration goes wrong.
        *session_ << "PRAGMA wal_checkpoint(TRUNCATE)", now;
        std::ifstream in(path_, std::ios::binary);
        std::ofstream out(path_ + ".bak", std::ios::binary | std::ios::trunc);
        out << in.rdbuf();
        if (!out) throw std::runtime_error("cannot back the database up to " + path_ + ".bak before upgrading it");
    }
    for (int version = current; version < static_cast<int>(migrations.size()); ++version) {
        // One transaction per migration: a daemon killed or failing half-way leaves the version
        // before it, and the next start runs the whole migration again.
        transaction([&] {
            for (const auto& sql : migrations[version]) {
                *session_ << sql, now;
                util::faultPoint("schema-migration-statement");
            }
            *session_ << "PRAGMA user_version = " + std::to_string(version + 1), now;
            util::faultPoint("schema-migration-before-commit");
        });
    }
}

void Database::transaction(const std::function<void()>& fn) {
    std::lock_guard lock(mutex_);
    // Nested calls join the outer transaction.
    if (session_->isTransaction()) {
        fn();
        return;
    }
    session_->begin();
    try {
        fn();
        session_->commit();
    } catch (...) {
        session_->rollback();
        forgetCachedReads();  // they may hold what was just rolled back
        throw;
    }
}

// ---- server config -------------------------------------------------------------------------

void Database::forgetCachedReads() {
    std::lock_guard lock(mutex_);
    serverConfig_.reset();
    pools_.reset();
    ++forgotten_;
}

Database::ChangeStamp Database::changeStamp() {
    std::lock_guard lock(mutex_);
    sqlite3* handle = Poco::Data::SQLite::Utility::dbHandle(*session_);
    ChangeStamp stamp;
    stamp.changes = sqlite3_total_changes64(handle);
    // Where SQLite cannot tell, every stamp differs, so nothing is kept.
    if (sqlite3_file_control(handle, "main", SQLITE_FCNTL_DATA_VERSION, &stamp.dataVersion) != SQLITE_OK) ++forgotten_;
    stamp.forgotten = forgotten_;
    return stamp;
}

StringMap Database::serverConfig() {
    std::lock_guard lock(mutex_);
    if (serverConfig_) return *serverConfig_;
    Statement st(*session_);
    st << "SELECT key, value FROM config", now;
    RecordSet rs(st);
    StringMap out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out[str(rs, "key")] = str(rs, "value");
    serverConfig_ = out;
    return out;
}

void Database::setServerConfig(const StringMap& config) {
    transaction([&] {
        serverConfig_.reset();
        *session_ << "DELETE FROM config", now;
        for (const auto& [k, v] : config) {
            Statement st(*session_);
            st << "INSERT INTO config (key, value) VALUES (?, ?)";
            bindAll(st, k, v);
            st.execute();
        }
    });
}

// ---- projects ------------------------------------------------------------------------------

namespace {
ProjectRecord projectFrom(RecordSet& rs) {
    return ProjectRecord{str(rs, "name"), str(rs, "description"), fromJson<StringMap>(str(rs, "config"))};
}
}  // namespace

std::vector<ProjectRecord> Database::projects() {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT name, description, config FROM projects ORDER BY name", now;
    RecordSet rs(st);
    std::vector<ProjectRecord> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(projectFrom(rs));
    return out;
}

std::optional<ProjectRecord> Database::project(const std::string& name) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT name, description, config FROM projects WHERE name = ?";
    bindAll(st, name);
    st.execute();
    RecordSet rs(st);
    if (!rs.moveFirst()) return std::nullopt;
    return projectFrom(rs);
}

void Database::createProject(const ProjectRecord& p) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "INSERT INTO projects (name, description, config) VALUES (?, ?, ?)";
    bindAll(st, p.name, p.description, toJson(p.config));
    st.execute();
}

void Database::updateProject(const ProjectRecord& p) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "UPDATE projects SET description = ?, config = ? WHERE name = ?";
    bindAll(st, p.description, toJson(p.config), p.name);
    st.execute();
}

void Database::renameProject(const std::string& from, const std::string& to) {
    // Everything that belongs to a project names it: move all of it in one transaction.
    transaction([&] {
        for (const char* table : {"projects", "profiles", "images", "image_aliases", "image_sources", "instances",
                                  "storage_volumes", "instance_snapshots", "instance_backups",
                                  "storage_volume_snapshots", "networks"}) {
            Statement st(*session_);
            st << std::string("UPDATE ") + table + (std::string(table) == "projects" ? " SET name = ? WHERE name = ?"
                                                                                       : " SET project = ? WHERE project = ?");
            bindAll(st, to, from);
            st.execute();
        }
    });
}

void Database::deleteProject(const std::string& name) {
    transaction([&] {
        // Its own default profile goes with it; the caller checked that nothing else is left.
        Statement profiles(*session_);
        profiles << "DELETE FROM profiles WHERE project = ?";
        bindAll(profiles, name);
        profiles.execute();
        Statement st(*session_);
        st << "DELETE FROM projects WHERE name = ?";
        bindAll(st, name);
        st.execute();
    });
}

// ---- storage pools -------------------------------------------------------------------------

namespace {
PoolRecord poolFrom(RecordSet& rs) {
    return PoolRecord{str(rs, "name"), str(rs, "driver"), str(rs, "description"),
                      fromJson<StringMap>(str(rs, "config")), str(rs, "status")};
}
}  // namespace

std::vector<PoolRecord> Database::pools() {
    std::lock_guard lock(mutex_);
    if (pools_) return *pools_;
    Statement st(*session_);
    st << "SELECT * FROM storage_pools ORDER BY name", now;
    RecordSet rs(st);
    std::vector<PoolRecord> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(poolFrom(rs));
    pools_ = out;
    return out;
}

std::optional<PoolRecord> Database::pool(const std::string& name) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT * FROM storage_pools WHERE name = ?";
    bindAll(st, name);
    st.execute();
    RecordSet rs(st);
    if (!rs.moveFirst()) return std::nullopt;
    return poolFrom(rs);
}

void Database::createPool(const PoolRecord& p) {
    std::lock_guard lock(mutex_);
    pools_.reset();
    Statement st(*session_);
    st << "INSERT INTO storage_pools (name, driver, description, config, status) VALUES (?, ?, ?, ?, ?)";
    bindAll(st, p.name, p.driver, p.description, toJson(p.config), p.status);
    st.execute();
}

void Database::updatePool(const PoolRecord& p) {
    std::lock_guard lock(mutex_);
    pools_.reset();
    Statement st(*session_);
    st << "UPDATE storage_pools SET description = ?, config = ?, status = ? WHERE name = ?";
    bindAll(st, p.description, toJson(p.config), p.status, p.name);
    st.execute();
}

void Database::deletePool(const std::string& name) {
    std::lock_guard lock(mutex_);
    pools_.reset();
    Statement st(*session_);
    st << "DELETE FROM storage_pools WHERE name = ?";
    bindAll(st, name);
    st.execute();
}

// ---- profiles ------------------------------------------------------------------------------

namespace {
ProfileRecord profileFrom(RecordSet& rs) {
    return ProfileRecord{str(rs, "project"), str(rs, "name"), str(rs, "description"),
                         fromJson<StringMap>(str(rs, "config")), fromJson<DeviceMap>(str(rs, "devices"))};
}
}  // namespace

std::vector<ProfileRecord> Database::profiles(const std::string& project) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT * FROM profiles WHERE project = ? ORDER BY name";
    bindAll(st, project);
    st.execute();
    RecordSet rs(st);
    std::vector<ProfileRecord> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(profileFrom(rs));
    return out;
}

std::optional<ProfileRecord> Database::profile(const std::string& project, const std::string& name) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT * FROM profiles WHERE project = ? AND name = ?";
    bindAll(st, project, name);
    st.execute();
    RecordSet rs(st);
    if (!rs.moveFirst()) return std::nullopt;
    return profileFrom(rs);
}

void Database::createProfile(const ProfileRecord& p) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "INSERT INTO profiles (project, name, description, config, devices) VALUES (?, ?, ?, ?, ?)";
    bindAll(st, p.project, p.name, p.description, toJson(p.config), toJson(p.devices));
    st.execute();
}

void Database::updateProfile(const ProfileRecord& p) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "UPDATE profiles SET description = ?, config = ?, devices = ? WHERE project = ? AND name = ?";
    bindAll(st, p.description, toJson(p.config), toJson(p.devices), p.project, p.name);
    st.execute();
}

void Database::renameProfile(const std::string& project, const std::string& from, const std::string& to) {
    transaction([&] {
        Statement st(*session_);
        st << "UPDATE profiles SET name = ? WHERE project = ? AND name = ?";
        bindAll(st, to, project, from);
        st.execute();
        // Instances name their profiles in a JSON list: rewrite the lists that mention it.
        for (auto inst : instances(project)) {
            bool changed = false;
            for (auto& p : inst.profiles) {
                if (p == from) { p = to; changed = true; }
            }
            if (changed) updateInstance(inst);
        }
    });
}

void Database::deleteProfile(const std::string& project, const std::string& name) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "DELETE FROM profiles WHERE project = ? AND name = ?";
    bindAll(st, project, name);
    st.execute();
}

// ---- images --------------------------------------------------------------------------------

namespace {
ImageRecord imageFrom(RecordSet& rs) {
    ImageRecord r;
    r.project = str(rs, "project");
    r.fingerprint = str(rs, "fingerprint");
    r.filename = str(rs, "filename");
    r.size = num(rs, "size");
    r.isPublic = num(rs, "public") != 0;
    r.autoUpdate = num(rs, "auto_update") != 0;
    r.cached = num(rs, "cached") != 0;
    r.architecture = str(rs, "architecture");
    r.type = str(rs, "type");
    r.createdAt = str(rs, "created_at");
    r.uploadedAt = str(rs, "uploaded_at");
    r.lastUsedAt = str(rs, "last_used_at");
    r.expiresAt = str(rs, "expires_at");
    r.properties = fromJson<StringMap>(str(rs, "properties"));
    r.profiles = fromJson<std::vector<std::string>>(str(rs, "profiles"));
    return r;
}
}  // namespace

std::vector<ImageRecord> Database::images(const std::string& project) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT * FROM images WHERE project = ? ORDER BY fingerprint";
    bindAll(st, project);
    st.execute();
    RecordSet rs(st);
    std::vector<ImageRecord> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(imageFrom(rs));
    return out;
}

std::optional<ImageRecord> Database::image(const std::string& project, const std::string& fingerprint) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT * FROM images WHERE project = ? AND fingerprint = ?";
    bindAll(st, project, fingerprint);
    st.execute();
    RecordSet rs(st);
    if (!rs.moveFirst()) return std::nullopt;
    return imageFrom(rs);
}

std::vector<ImageRecord> Database::imagesByPrefix(const std::string& project, const std::string& prefix) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    // substr() rather than LIKE: a prefix can never act as a wildcard (CVE-2025-54290).
    st << "SELECT * FROM images WHERE project = ? AND substr(fingerprint, 1, ?) = ?";
    bindAll(st, project, static_cast<int>(prefix.size()), prefix);
    st.execute();
    RecordSet rs(st);
    std::vector<ImageRecord> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(imageFrom(rs));
    return out;
}

void Database::createImage(const ImageRecord& r) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "INSERT INTO images (project, fingerprint, filename, size, public, auto_update, cached,"
          " architecture, type, created_at, uploaded_at, last_used_at, expires_at, properties, profiles)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    bindAll(st, r.project, r.fingerprint, r.filename, r.size, int(r.isPublic), int(r.autoUpdate),
            int(r.cached), r.architecture, r.type, r.createdAt, r.uploadedAt, r.lastUsedAt,
            r.expiresAt, toJson(r.properties), toJson(r.profiles));
    st.execute();
}

void Database::updateImage(const ImageRecord& r) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "UPDATE images SET public = ?, auto_update = ?, last_used_at = ?, expires_at = ?,"
          " properties = ?, profiles = ? WHERE project = ? AND fingerprint = ?";
    bindAll(st, int(r.isPublic), int(r.autoUpdate), r.lastUsedAt, r.expiresAt,
            toJson(r.properties), toJson(r.profiles), r.project, r.fingerprint);
    st.execute();
}

void Database::deleteImage(const std::string& project, const std::string& fingerprint) {
    transaction([&] {
        Statement a(*session_);
        a << "DELETE FROM image_aliases WHERE project = ? AND target = ?";
        bindAll(a, project, fingerprint);
        a.execute();
        Statement source(*session_);
        source << "DELETE FROM image_sources WHERE project = ? AND fingerprint = ?";
        bindAll(source, project, fingerprint);
        source.execute();
        Statement st(*session_);
        st << "DELETE FROM images WHERE project = ? AND fingerprint = ?";
        bindAll(st, project, fingerprint);
        st.execute();
    });
}

// ---- image aliases -------------------------------------------------------------------------

namespace {
AliasRecord aliasFrom(RecordSet& rs) {
    return AliasRecord{str(rs, "project"), str(rs, "name"), str(rs, "target"), str(rs, "description")};
}
}  // namespace

std::vector<AliasRecord> Database::aliases(const std::string& project) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT * FROM image_aliases WHERE project = ? ORDER BY name";
    bindAll(st, project);
    st.execute();
    RecordSet rs(st);
    std::vector<AliasRecord> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(aliasFrom(rs));
    return out;
}

std::optional<AliasRecord> Database::alias(const std::string& project, const std::string& name) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT * FROM image_aliases WHERE project = ? AND name = ?";
    bindAll(st, project, name);
    st.execute();
    RecordSet rs(st);
    if (!rs.moveFirst()) return std::nullopt;
    return aliasFrom(rs);
}

void Database::createAlias(const AliasRecord& a) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "INSERT INTO image_aliases (project, name, target, description) VALUES (?, ?, ?, ?)";
    bindAll(st, a.project, a.name, a.target, a.description);
    st.execute();
}

void Database::updateAlias(const AliasRecord& a) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "UPDATE image_aliases SET target = ?, description = ? WHERE project = ? AND name = ?";
    bindAll(st, a.target, a.description, a.project, a.name);
    st.execute();
}

void Database::renameAlias(const std::string& project, const std::string& from, const std::string& to) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "UPDATE image_aliases SET name = ? WHERE project = ? AND name = ?";
    bindAll(st, to, project, from);
    st.execute();
}

void Database::deleteAlias(const std::string& project, const std::string& name) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "DELETE FROM image_aliases WHERE project = ? AND name = ?";
    bindAll(st, project, name);
    st.execute();
}

// ---- instances -----------------------------------------------------------------------------

namespace {
InstanceRecord instanceFrom(RecordSet& rs) {
    InstanceRecord r;
    r.project = str(rs, "project");
    r.name = str(rs, "name");
    r.type = static_cast<int>(num(rs, "type"));
    r.architecture = str(rs, "architecture");
    r.ephemeral = num(rs, "ephemeral") != 0;
    r.stateful = num(rs, "stateful") != 0;
    r.description = str(rs, "description");
    r.createdAt = str(rs, "created_at");
    r.lastUsedAt = str(rs, "last_used_at");
    r.config = fromJson<StringMap>(str(rs, "config"));
    r.devices = fromJson<DeviceMap>(str(rs, "devices"));
    r.profiles = fromJson<std::vector<std::string>>(str(rs, "profiles"));
    return r;
}
}  // namespace

std::vector<InstanceRecord> Database::instances(const std::string& project) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT * FROM instances WHERE project = ? ORDER BY name";
    bindAll(st, project);
    st.execute();
    RecordSet rs(st);
    std::vector<InstanceRecord> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(instanceFrom(rs));
    return out;
}

std::vector<std::string> Database::instanceNames(const std::string& project) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT name FROM instances WHERE project = ? ORDER BY name";
    bindAll(st, project);
    st.execute();
    RecordSet rs(st);
    std::vector<std::string> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(str(rs, "name"));
    return out;
}

std::optional<InstanceRecord> Database::instance(const std::string& project, const std::string& name) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT * FROM instances WHERE project = ? AND name = ?";
    bindAll(st, project, name);
    st.execute();
    RecordSet rs(st);
    if (!rs.moveFirst()) return std::nullopt;
    return instanceFrom(rs);
}

void Database::createInstance(const InstanceRecord& r) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "INSERT INTO instances (project, name, type, architecture, ephemeral, stateful, description,"
          " created_at, last_used_at, config, devices, profiles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    bindAll(st, r.project, r.name, r.type, r.architecture, int(r.ephemeral), int(r.stateful),
            r.description, r.createdAt, r.lastUsedAt, toJson(r.config), toJson(r.devices),
            toJson(r.profiles));
    st.execute();
}

void Database::updateInstance(const InstanceRecord& r) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "UPDATE instances SET architecture = ?, ephemeral = ?, stateful = ?, description = ?,"
          " last_used_at = ?, config = ?, devices = ?, profiles = ? WHERE project = ? AND name = ?";
    bindAll(st, r.architecture, int(r.ephemeral), int(r.stateful), r.description, r.lastUsedAt,
            toJson(r.config), toJson(r.devices), toJson(r.profiles), r.project, r.name);
    st.execute();
}

void Database::renameInstance(const std::string& project, const std::string& from, const std::string& to) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "UPDATE instances SET name = ? WHERE project = ? AND name = ?";
    bindAll(st, to, project, from);
    st.execute();
}

void Database::deleteInstance(const std::string& project, const std::string& name) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "DELETE FROM instances WHERE project = ? AND name = ?";
    bindAll(st, project, name);
    st.execute();
}

// ---- storage volumes -----------------------------------------------------------------------

std::vector<VolumeRecord> Database::volumes(const std::string& pool) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT * FROM storage_volumes WHERE pool = ? ORDER BY type, name";
    bindAll(st, pool);
    st.execute();
    RecordSet rs(st);
    std::vector<VolumeRecord> out;
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(volumeFrom(rs));
    return out;
}

std::optional<VolumeRecord> Database::volume(const std::string& project, int type, const std::string& name) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "SELECT * FROM storage_volumes WHERE project = ? AND type = ? AND name = ?";
    bindAll(st, project, type, name);
    st.execute();
    RecordSet rs(st);
    if (!rs.moveFirst()) return std::nullopt;
    return volumeFrom(rs);
}

void Database::createVolume(const VolumeRecord& v) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "INSERT INTO storage_volumes (pool, project, type, name, content, description, config, created_at)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    bindAll(st, v.pool, v.project, v.type, v.name, v.content, v.description, toJson(v.config), v.createdAt);
    st.execute();
}

void Database::renameVolume(const std::string& pool, const std::string& project, int type, const std::string& from,
                            const std::string& to) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "UPDATE storage_volumes SET name = ? WHERE pool = ? AND project = ? AND type = ? AND name = ?";
    bindAll(st, to, pool, project, type, from);
    st.execute();
}

void Database::deleteVolume(const std::string& pool, const std::string& project, int type, const std::string& name) {
    std::lock_guard lock(mutex_);
    Statement st(*session_);
    st << "DELETE FROM storage_volumes WHERE pool = ? AND project = ? AND type = ? AND name = ?";
    bindAll(st, pool, project, type, name);
    st.execute();
}

}  // namespace lxdp::db
