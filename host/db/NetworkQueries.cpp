#include "db/NetworkQueries.h"

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

NetworkRecord networkFrom(RecordSet& rs) {
    NetworkRecord r;
    r.project = str(rs, "project");
    r.name = str(rs, "name");
    r.type = str(rs, "type");
    r.description = str(rs, "description");
    r.config = fromJson<StringMap>(str(rs, "config"));
    r.status = str(rs, "status");
    return r;
}

template <class... Args>
std::vector<NetworkRecord> select(Database& db, const std::string& sql, const Args&... args) {
    return db.withSession([&](Session& s) {
        Statement st(s);
        st << sql;
        bindAll(st, args...);
        st.execute();
        RecordSet rs(st);
        std::vector<NetworkRecord> out;
        for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(networkFrom(rs));
        return out;
    });
}

}  // namespace

std::vector<NetworkRecord> networks(Database& db, const std::string& project) {
    return select(db, "SELECT * FROM networks WHERE project = ? ORDER BY name", project);
}

std::optional<NetworkRecord> network(Database& db, const std::string& project, const std::string& name) {
    auto rows = select(db, "SELECT * FROM networks WHERE project = ? AND name = ?", project, name);
    if (rows.empty()) return std::nullopt;
    return rows.front();
}

void createNetwork(Database& db, const NetworkRecord& r) {
    execute(db, "INSERT INTO networks (project, name, type, description, config, status) VALUES (?, ?, ?, ?, ?, ?)",
            r.project, r.name, r.type, r.description, toJson(r.config), r.status);
}

void updateNetwork(Database& db, const NetworkRecord& r) {
    execute(db, "UPDATE networks SET description = ?, config = ?, status = ? WHERE project = ? AND name = ?",
            r.description, toJson(r.config), r.status, r.project, r.name);
}

void renameNetwork(Database& db, const std::string& project, const std::string& from, const std::string& to) {
    execute(db, "UPDATE networks SET name = ? WHERE project = ? AND name = ?", to, project, from);
}

void deleteNetwork(Database& db, const std::string& project, const std::string& name) {
    execute(db, "DELETE FROM networks WHERE project = ? AND name = ?", project, name);
}

}  // namespace lxdp::db
