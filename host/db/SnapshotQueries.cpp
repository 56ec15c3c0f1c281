#include "db/SnapshotQueries.h"

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

namespace {

InstanceSnapshotRecord snapshotFrom(RecordSet& rs) {
    InstanceSnapshotRecord r;
    r.project = str(rs, "project");
    r.instance = str(rs, "instance");
    r.name = str(rs, "name");
    r.architecture = str(rs, "architecture");
    r.stateful = num(rs, "stateful") != 0;
    r.description = str(rs, "description");
    r.createdAt = str(rs, "created_at");
    r.expiresAt = str(rs, "expires_at");
    r.config = fromJson<StringMap>(str(rs, "config"));
    r.devices = fromJson<DeviceMap>(str(rs, "devices"));
    r.profiles = fromJson<std::vector<std::string>>(str(rs, "profiles"));
    return r;
}

}  // namespace

std::vector<InstanceSnapshotRecord> instanceSnapshots(Database& db, const std::string& project,
                                                      const std::string& instance) {
    return db.withSession([&](Session& s) {
        Statement st(s);
        // rowid breaks ties between snapshots taken within one timestamp.
        st << "SELECT * FROM instance_snapshots WHERE project = ? AND instance = ? ORDER BY created_at, rowid";
        bindAll(st, project, instance);
        st.execute();
        RecordSet rs(st);
        std::vector<InstanceSnapshotRecord> out;
        for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(snapshotFrom(rs));
        return out;
    });
}

std::map<std::string, std::vector<InstanceSnapshotRecord>> projectInstanceSnapshots(Database& db,
                                                                                   const std::string& project) {
    return db.withSession([&](Session& s) {
        Statement st(s);
        st << "SELECT * FROM instance_snapshots WHERE project = ? ORDER BY instance, created_at, rowid";
        bindAll(st, project);
        st.execute();
        RecordSet rs(st);
        std::map<std::string, std::vector<InstanceSnapshotRecord>> out;
        for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
            auto snap = snapshotFrom(rs);
            out[snap.instance].push_back(std::move(snap));
        }
        return out;
    });
}

std::optional<InstanceSnapshotRecord> instanceSnapshot(Database& db, const std::string& project,
                                                       const std::string& instance, const std::string& name) {
    return db.withSession([&](Session& s) -> std::optional<InstanceSnapshotRecord> {
        Statement st(s);
        st << "SELECT * FROM instance_snapshots WHERE project = ? AND instance = ? AND name = ?";
        bindAll(st, project, instance, name);
        st.execute();
        RecordSet rs(st);
        if (!rs.moveFirst()) return std::nullopt;
        return snapshotFrom(rs);
    });
}

void createInstanceSnapshot(Database& db, const InstanceSnapshotRecord& r) {
    execute(db,
            "INSERT INTO instance_snapshots (project, instance, name, architecture, stateful, description,"
            " created_at, expires_at, config, devices, profiles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            r.project, r.instance, r.name, r.architecture, int(r.stateful), r.description, r.createdAt,
            r.expiresAt, toJson(r.config), toJson(r.devices), toJson(r.profiles));
}

void updateInstanceSnapshot(Database& db, const InstanceSnapshotRecord& r) {
    execute(db,
            "UPDATE instance_snapshots SET description = ?, expires_at = ? WHERE project = ? AND instance = ?"
            " AND name = ?",
            r.description, r.expiresAt, r.project, r.instance, r.name);
}

void setInstanceSnapshotDevices(Database& db, const InstanceSnapshotRecord& r) {
    execute(db, "UPDATE instance_snapshots SET devices = ? WHERE project = ? AND instance = ? AND name = ?",
            toJson(r.devices), r.project, r.instance, r.name);
}

void renameInstanceSnapshot(Database& db, const std::string& project, const std::string& instance,
                            const std::string& from, const std::string& to) {
    execute(db, "UPDATE instance_snapshots SET name = ? WHERE project = ? AND instance = ? AND name = ?", to,
            project, instance, from);
}

void deleteInstanceSnapshot(Database& db, const std::string& project, const std::string& instance,
                            const std::string& name) {
    execute(db, "DELETE FROM instance_snapshots WHERE project = ? AND instance = ? AND name = ?", project, instance,
            name);
}

void moveInstanceSnapshots(Database& db, const std::string& project, const std::string& from, const std::string& to) {
    execute(db, "UPDATE instance_snapshots SET instance = ? WHERE project = ? AND instance = ?", to, project, from);
}

void deleteInstanceSnapshots(Database& db, const std::string& project, const std::string& instance) {
    execute(db, "DELETE FROM instance_snapshots WHERE project = ? AND instance = ?", project, instance);
}

}  // namespace lxdp::db
