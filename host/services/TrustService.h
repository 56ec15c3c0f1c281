// The trust store: which client certificates may use the API, with which restrictions, and how
// a new client enrols (the trust password, a certificate add token, or a certificate given by a
// trusted caller). In PKI mode (server.ca) only certificates of that CA count at all.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/types.h>

#include "db/CertificateQueries.h"
#include "services/CertificateTokens.h"
#include "tls/AttemptThrottle.h"
#include "tls/ClientCa.h"

namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }
namespace lxdp::api { struct Requestor; }
namespace lxdp::ops { class Operation; class OperationManager; }

namespace lxdp::services {

class TrustService {
public:
    TrustService(db::Database& db, events::EventHub& events, ops::OperationManager& ops, const std::string& varDir)
        : db_(db), events_(events), tokens_(ops), ca_(varDir) {}

    // Names the HTTPS caller presenting cert (null: none): trusted when the store holds it
    // (with its restrictions), or, with core.trust_ca_certificates, when the CA issued it. Asked
    // for every request: removing a certificate or revoking it in ca.crl takes effect at once. A
    // certificate the CA refuses is not even recorded, so it cannot enrol either.
    void identify(api::Requestor& who, X509* cert);

    std::vector<db::CertificateRecord> list();
    // By the whole fingerprint or a unique prefix of it (400 when the prefix matches several).
    db::CertificateRecord get(const std::string& fingerprint);
    // POST /1.0/certificates. An untrusted caller adds its own TLS certificate with the trust
    // password (403 otherwise, and repeated failures lock its address out for a while); a
    // trusted caller adds the given certificate, or its own. Returns the new fingerprint.
    // The password may also be a certificate add token (what `lxc remote add NAME TOKEN`
    // sends), which then gives the name and restrictions it was issued with.
    std::string add(const api::Requestor& caller, const nlohmann::json& request);
    // POST /1.0/certificates {"token": true}: a token operation for a client yet to come
    // (trusted callers only; the route is public for enrolment).
    std::shared_ptr<ops::Operation> issueToken(const api::Requestor& caller, const nlohmann::json& request, const std::string& serverFingerprint,
                                               const std::vector<std::string>& addresses);
    // name, type, restricted and projects.
    void update(const db::CertificateRecord& cert);
    void remove(const std::string& fingerprint);

    nlohmann::json render(const db::CertificateRecord& cert) const;

private:
    // The request a token was issued for, or nullopt after a right trust password; anything
    // else is a 403, and repeated failures lock the address out.
    std::optional<nlohmann::json> checkSecret(const api::Requestor& caller, const std::string& secret);

    db::Database& db_;
    events::EventHub& events_;
    CertificateTokens tokens_;
    tls::ClientCa ca_;
    tls::AttemptThrottle throttle_;
};

// The value core.trust_password is stored with: a salted hash of what the client sent. The
// hidden placeholder "true" that GET /1.0 shows keeps the current hash.
std::string storedTrustPassword(const std::string& given, const std::string& current);

}  // namespace lxdp::services
