#include "db/ImageSourceQueries.h"

#include "db/Sql.h"

namespace lxdp::db {

using sql::bindAll;
using sql::str;

namespace {

ImageSourceRecord sourceFrom(Poco::Data::RecordSet& rs) {
    return {str(rs, "project"),  str(rs, "fingerprint"), str(rs, "server"),
            str(rs, "protocol"), str(rs, "certificate"), str(rs, "alias")};
}

template <class... Args>
std::vector<ImageSourceRecord> select(Database& db, const std::string& where, const Args&... args) {
    return db.withSession([&](Poco::Data::Session& s) {
        Poco::Data::Statement st(s);
        st << "SELECT * FROM image_sources" + where;
        bindAll(st, args...);
        st.execute();
        Poco::Data::RecordSet rs(st);
        std::vector<ImageSourceRecord> out;
        for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(sourceFrom(rs));
        return out;
    });
}

}  // namespace

void recordImageSource(Database& db, const ImageSourceRecord& r) {
    sql::execute(db,
                 "INSERT OR REPLACE INTO image_sources (project, fingerprint, server, protocol, certificate, alias)"
                 " VALUES (?, ?, ?, ?, ?, ?)",
                 r.project, r.fingerprint, r.server, r.protocol, r.certificate, r.alias);
}

std::optional<ImageSourceRecord> imageSource(Database& db, const std::string& project, const std::string& fingerprint) {
    auto rows = select(db, " WHERE project = ? AND fingerprint = ?", project, fingerprint);
    if (rows.empty()) return std::nullopt;
    return rows.front();
}

std::optional<ImageSourceRecord> imageSourceByAlias(Database& db, const std::string& project, const std::string& server,
                                                    const std::string& protocol, const std::string& alias) {
    auto rows = select(db, " WHERE project = ? AND server = ? AND protocol = ? AND alias = ? ORDER BY rowid DESC",
                       project, server, protocol, alias);
    if (rows.empty()) return std::nullopt;
    return rows.front();
}

std::vector<ImageSourceRecord> allImageSources(Database& db) { return select(db, " ORDER BY project, fingerprint"); }

}  // namespace lxdp::db
