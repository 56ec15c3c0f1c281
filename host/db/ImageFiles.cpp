#include "db/ImageFiles.h"

#include "db/Sql.h"

namespace lxdp::db {

std::set<std::string> storedImageFingerprints(Database& db) {
    return db.withSession([&](Poco::Data::Session& s) {
        Poco::Data::Statement st(s);
        st << "SELECT DISTINCT fingerprint FROM images";
        st.execute();
        Poco::Data::RecordSet rs(st);
        std::set<std::string> out;
        for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.insert(sql::str(rs, "fingerprint"));
        return out;
    });
}

}  // namespace lxdp::db
