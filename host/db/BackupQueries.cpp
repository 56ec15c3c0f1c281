#include "db/BackupQueries.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include "db/Database.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Statement;

namespace lxdp::db {

namespace {

std::string str(RecordSet& rs, const std::string& column) {
    auto v = rs[column];
    return v.isEmpty() ? std::string() : v.convert<std::string>();
}

int64_t num(RecordSet& rs, const std::string& column) {
    auto v = rs[column];
    return v.isEmpty() ? 0 : v.convert<int64_t>();
}

template <class... Args>
void bindAll(Statement& st, const Args&... args) {
    (st.addBind(bind(args)), ...);
}

BackupRecord backupFrom(RecordSet& rs) {
    BackupRecord r;
    r.project = str(rs, "project");
    r.instance = str(rs, "instance");
    r.name = str(rs, "name");
    r.createdAt = str(rs, "created_at");
    r.expiresAt = str(rs, "expires_at");
    r.instanceOnly = num(rs, "instance_only") != 0;
    r.optimizedStorage = num(rs, "optimized_storage") != 0;
    r.compression = str(rs, "compression");
    return r;
}

}  // namespace

std::vector<BackupRecord> backups(Database& db, const std::string& project, const std::string& instance) {
    return db.withSession([&](Poco::Data::Session& s) {
        Statement st(s);
        st << "SELECT * FROM instance_backups WHERE project = ? AND instance = ? ORDER BY created_at, name";
        bindAll(st, project, instance);
        st.execute();
        RecordSet rs(st);
        std::vector<BackupRecord> out;
        for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(backupFrom(rs));
        return out;
    });
}

std::optional<BackupRecord> backup(Database& db, const std::string& project, const std::string& instance,
                                   const std::string& name) {
    return db.withSession([&](Poco::Data::Session& s) -> std::optional<BackupRecord> {
        Statement st(s);
        st << "SELECT * FROM instance_backups WHERE project = ? AND instance = ? AND name = ?";
        bindAll(st, project, instance, name);
        st.execute();
        RecordSet rs(st);
        if (!rs.moveFirst()) return std::nullopt;
        return backupFrom(rs);
    });
}

void createBackup(Database& db, const BackupRecord& r) {
    db.withSession([&](Poco::Data::Session& s) {
        Statement st(s);
        st << "INSERT INTO instance_backups (project, instance, name, created_at, expires_at, instance_only,"
              " optimized_storage, compression) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        bindAll(st, r.project, r.instance, r.name, r.createdAt, r.expiresAt, int(r.instanceOnly),
                int(r.optimizedStorage), r.compression);
        st.execute();
    });
}

void renameBackup(Database& db, const std::string& project, const std::string& instance, const std::string& from,
                  const std::string& to) {
    db.withSession([&](Poco::Data::Session& s) {
        Statement st(s);
        st << "UPDATE instance_backups SET name = ? WHERE project = ? AND instance = ? AND name = ?";
        bindAll(st, to, project, instance, from);
        st.execute();
    });
}

void deleteBackup(Database& db, const std::string& project, const std::string& instance, const std::string& name) {
    db.withSession([&](Poco::Data::Session& s) {
        Statement st(s);
        st << "DELETE FROM instance_backups WHERE project = ? AND instance = ? AND name = ?";
        bindAll(st, project, instance, name);
        st.execute();
    });
}

}  // namespace lxdp::db
