// The SQL of the trust store (table certificates).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lxdp::db {

class Database;

struct CertificateRecord {
    std::string fingerprint;
    std::string type = "client";
    std::string name;
    std::string certificate;  // PEM
    bool restricted = false;
    std::vector<std::string> projects;
};

std::vector<CertificateRecord> certificates(Database& db);
std::optional<CertificateRecord> certificate(Database& db, const std::string& fingerprint);
// The certificates whose fingerprint begins with prefix (at most two: enough to tell a unique one).
std::vector<CertificateRecord> certificatesWithPrefix(Database& db, const std::string& prefix);
void createCertificate(Database& db, const CertificateRecord& cert);
// Stores name, type, restricted and projects.
void updateCertificate(Database& db, const CertificateRecord& cert);
void deleteCertificate(Database& db, const std::string& fingerprint);

}  // namespace lxdp::db
