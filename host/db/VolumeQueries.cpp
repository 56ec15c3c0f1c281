#include "db/VolumeQueries.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include "db/Database.h"
#include "db/Sql.h"

using Poco::Data::RecordSet;
using Poco::Data::Session;
using Poco::Data::Statement;

namespace lxdp::db {

using namespace sql;

namespace sql {
VolumeRecord volumeFrom(RecordSet& rs) {
    VolumeRecord r;
    r.pool = str(rs, "pool");
    r.project = str(rs, "project");
    r.type = static_cast<int>(num(rs, "type"));
    r.name = str(rs, "name");
    r.content = static_cast<int>(num(rs, "content"));
    r.description = str(rs, "description");
    r.config = fromJson<StringMap>(str(rs, "config"));
    r.createdAt = str(rs, "created_at");
    return r;
}
}  // namespace sql

namespace {

VolumeSnapshotRecord snapshotFrom(RecordSet& rs) {
    VolumeSnapshotRecord r;
    r.pool = str(rs, "pool");
    r.project = str(rs, "project");
    r.type = static_cast<int>(num(rs, "type"));
    r.volume = str(rs, "volume");
    r.name = str(rs, "name");
    r.description = str(rs, "description");
    r.config = fromJson<StringMap>(str(rs, "config"));
    r.createdAt = str(rs, "created_at");
    r.expiresAt = str(rs, "expires_at");
    return r;
}

// Runs one query and converts each row.
template <class Record, class From, class... Args>
std::vector<Record> query(Database& db, From from, const std::string& sql, const Args&... args) {
    return db.withSession([&](Session& s) {
        Statement st(s);
        st << sql;
        bindAll(st, args...);
        st.execute();
        RecordSet rs(st);
        std::vector<Record> out;
        for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(from(rs));
        return out;
    });
}

template <class Record>
std::optional<Record> first(std::vector<Record> rows) {
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
}

}  // namespace

std::optional<VolumeRecord> poolVolume(Database& db, const std::string& pool, const std::string& project, int type,
                                       const std::string& name) {
    return first(query<VolumeRecord>(
        db, volumeFrom, "SELECT * FROM storage_volumes WHERE pool = ? AND project = ? AND type = ? AND name = ?", pool,
        project, type, name));
}

void updateVolume(Database& db, const VolumeRecord& v) {
    execute(db,
            "UPDATE storage_volumes SET description = ?, config = ? WHERE pool = ? AND project = ? AND type = ?"
            " AND name = ?",
            v.description, toJson(v.config), v.pool, v.project, v.type, v.name);
}

std::vector<VolumeSnapshotRecord> volumeSnapshots(Database& db, const std::string& pool, const std::string& project,
                                                  int type, const std::string& volume) {
    // rowid breaks ties between snapshots taken within one timestamp.
    return query<VolumeSnapshotRecord>(db, snapshotFrom,
                                       "SELECT * FROM storage_volume_snapshots WHERE pool = ? AND project = ?"
                                       " AND type = ? AND volume = ? ORDER BY created_at, rowid",
                                       pool, project, type, volume);
}

std::optional<VolumeSnapshotRecord> volumeSnapshot(Database& db, const std::string& pool, const std::string& project,
                                                   int type, const std::string& volume, const std::string& name) {
    return first(query<VolumeSnapshotRecord>(db, snapshotFrom,
                                             "SELECT * FROM storage_volume_snapshots WHERE pool = ? AND project = ?"
                                             " AND type = ? AND volume = ? AND name = ?",
                                             pool, project, type, volume, name));
}

void createVolumeSnapshot(Database& db, const VolumeSnapshotRecord& r) {
    execute(db,
            "INSERT INTO storage_volume_snapshots (pool, project, type, volume, name, description, config,"
            " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            r.pool, r.project, r.type, r.volume, r.name, r.description, toJson(r.config), r.createdAt, r.expiresAt);
}

void updateVolumeSnapshot(Database& db, const VolumeSnapshotRecord& r) {
    execute(db,
            "UPDATE storage_volume_snapshots SET description = ?, expires_at = ? WHERE pool = ? AND project = ?"
            " AND type = ? AND volume = ? AND name = ?",
            r.description, r.expiresAt, r.pool, r.project, r.type, r.volume, r.name);
}

void renameVolumeSnapshot(Database& db, const VolumeSnapshotRecord& r, const std::string& to) {
    execute(db,
            "UPDATE storage_volume_snapshots SET name = ? WHERE pool = ? AND project = ? AND type = ? AND volume = ?"
            " AND name = ?",
            to, r.pool, r.project, r.type, r.volume, r.name);
}

void deleteVolumeSnapshot(Database& db, const VolumeSnapshotRecord& r) {
    execute(db,
            "DELETE FROM storage_volume_snapshots WHERE pool = ? AND project = ? AND type = ? AND volume = ?"
            " AND name = ?",
            r.pool, r.project, r.type, r.volume, r.name);
}

void moveVolumeSnapshots(Database& db, const VolumeRecord& v, const std::string& to) {
    execute(db,
            "UPDATE storage_volume_snapshots SET volume = ? WHERE pool = ? AND project = ? AND type = ? AND volume = ?",
            to, v.pool, v.project, v.type, v.name);
}

void deleteVolumeSnapshots(Database& db, const VolumeRecord& v) {
    execute(db, "DELETE FROM storage_volume_snapshots WHERE pool = ? AND project = ? AND type = ? AND volume = ?",
            v.pool, v.project, v.type, v.name);
}

}  // namespace lxdp::db
