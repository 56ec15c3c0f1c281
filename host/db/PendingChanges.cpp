#include "db/PendingChanges.h"

#include "db/Sql.h"

using Poco::Data::RecordSet;
using Poco::Data::Statement;

namespace lxdp::db {

using namespace sql;

void recordPendingChange(Database& db, const PendingChange& change) {
    execute(db,
            "INSERT OR REPLACE INTO pending_changes (kind, project, name, pool, detail, started)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            change.kind, change.project, change.name, change.pool, change.detail, change.started);
}

void clearPendingChange(Database& db, const std::string& kind, const std::string& project, const std::string& name) {
    execute(db, "DELETE FROM pending_changes WHERE kind = ? AND project = ? AND name = ?", kind, project, name);
}

std::vector<PendingChange> pendingChanges(Database& db) {
    return db.withSession([&](Poco::Data::Session& s) {
        Statement st(s);
        st << "SELECT kind, project, name, pool, detail, started FROM pending_changes ORDER BY started";
        st.execute();
        RecordSet rs(st);
        std::vector<PendingChange> out;
        for (bool more = rs.moveFirst(); more; more = rs.moveNext())
            out.push_back({str(rs, "kind"), str(rs, "project"), str(rs, "name"), str(rs, "pool"), str(rs, "detail"),
                           str(rs, "started")});
        return out;
    });
}

}  // namespace lxdp::db
