// The trust store: which client certificates may use the API, and how a new client enrols
// (the trust password, or a certificate given by a trusted caller).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/CertificateQueries.h"
#include "tls/AttemptThrottle.h"

namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }
namespace lxdp::api { struct Requestor; }

namespace lxdp::services {

class TrustService {
public:
    TrustService(db::Database& db, events::EventHub& events) : db_(db), events_(events) {}

    // Asked for every HTTPS request: removing a certificate takes effect at once.
    bool isTrusted(const std::string& fingerprint);

    std::vector<db::CertificateRecord> list();
    db::CertificateRecord get(const std::string& fingerprint);
    // POST /1.0/certificates. An untrusted caller adds its own TLS certificate with the trust
    // password (403 otherwise, and repeated failures lock its address out for a while); a
    // trusted caller adds the given certificate, or its own. Returns the new fingerprint.
    std::string add(const api::Requestor& caller, const nlohmann::json& request);
    // name, type, restricted and projects.
    void update(const db::CertificateRecord& cert);
    void remove(const std::string& fingerprint);

    nlohmann::json render(const db::CertificateRecord& cert) const;

private:
    void checkPassword(const api::Requestor& caller, const std::string& password);

    db::Database& db_;
    events::EventHub& events_;
    tls::AttemptThrottle throttle_;
};

// The value core.trust_password is stored with: a salted hash of what the client sent. The
// hidden placeholder "true" that GET /1.0 shows keeps the current hash.
std::string storedTrustPassword(const std::string& given, const std::string& current);

}  // namespace lxdp::services
