#include "db/CertificateQueries.h"

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

CertificateRecord certificateFrom(RecordSet& rs) {
    CertificateRecord r;
    r.fingerprint = str(rs, "fingerprint");
    r.type = str(rs, "type");
    r.name = str(rs, "name");
    r.certificate = str(rs, "certificate");
    r.restricted = num(rs, "restricted") != 0;
    r.projects = fromJson<std::vector<std::string>>(str(rs, "projects"));
    return r;
}

template <class... Args>
std::vector<CertificateRecord> select(Database& db, const std::string& sql, const Args&... args) {
    return db.withSession([&](Session& s) {
        Statement st(s);
        st << sql;
        bindAll(st, args...);
        st.execute();
        RecordSet rs(st);
        std::vector<CertificateRecord> out;
        for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(certificateFrom(rs));
        return out;
    });
}

}  // namespace

std::vector<CertificateRecord> certificates(Database& db) {
    return select(db, "SELECT * FROM certificates ORDER BY name, fingerprint");
}

std::optional<CertificateRecord> certificate(Database& db, const std::string& fingerprint) {
    auto found = select(db, "SELECT * FROM certificates WHERE fingerprint = ?", fingerprint);
    if (found.empty()) return std::nullopt;
    return found.front();
}

std::vector<CertificateRecord> certificatesWithPrefix(Database& db, const std::string& prefix) {
    // substr, not LIKE: '%' and '_' in the prefix are characters, not patterns.
    return select(db, "SELECT * FROM certificates WHERE substr(fingerprint, 1, ?) = ? ORDER BY fingerprint LIMIT 2",
                  static_cast<int>(prefix.size()), prefix);
}

void createCertificate(Database& db, const CertificateRecord& c) {
    execute(db,
            "INSERT INTO certificates (fingerprint, type, name, certificate, restricted, projects)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            c.fingerprint, c.type, c.name, c.certificate, c.restricted ? 1 : 0, toJson(c.projects));
}

void updateCertificate(Database& db, const CertificateRecord& c) {
    execute(db, "UPDATE certificates SET type = ?, name = ?, restricted = ?, projects = ? WHERE fingerprint = ?",
            c.type, c.name, c.restricted ? 1 : 0, toJson(c.projects), c.fingerprint);
}

void deleteCertificate(Database& db, const std::string& fingerprint) {
    execute(db, "DELETE FROM certificates WHERE fingerprint = ?", fingerprint);
}

}  // namespace lxdp::db
