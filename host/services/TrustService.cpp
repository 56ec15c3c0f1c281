#include "services/TrustService.h"

#include <Poco/Logger.h>

#include <chrono>

#include "api/Request.h"
#include "config/Validators.h"
#include "db/Database.h"
#include "ops/Operation.h"
#include "events/EventHub.h"
#include "tls/Certificate.h"
#include "tls/PasswordHash.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {

const std::string kHiddenPassword = "true";
// Certificates belong to no project: their events reach unrestricted listeners only.
const std::string kNoProject;

void checkType(const std::string& type) {
    if (type != "client" && type != "metrics") throw BadRequest("Unknown certificate type \"" + type + "\"");
}

std::string source(const std::string& fingerprint) { return "/1.0/certificates/" + fingerprint; }

std::vector<std::string> projectsOf(const nlohmann::json& request) {
    // The Go client sends "projects": null for none.
    const auto it = request.find("projects");
    if (it == request.end() || it->is_null()) return {};
    return it->get<std::vector<std::string>>();
}

}  // namespace

std::string storedTrustPassword(const std::string& given, const std::string& current) {
    if (given == kHiddenPassword && tls::isPasswordHash(current)) return current;
    return tls::hashPassword(given);
}

void TrustService::identify(api::Requestor& who, X509* cert) {
    who.trusted = false;
    if (!cert) return;
    const auto verdict = ca_.verify(cert);
    if (verdict == tls::ClientCa::Verdict::Refused) return;
    const tls::Certificate presented = tls::fromX509(cert);
    who.certificate = presented.pem;
    who.fingerprint = presented.fingerprint;
    if (const auto record = db::certificate(db_, presented.fingerprint)) {
        // A metrics certificate may read /1.0/metrics only, which this daemon does not serve:
        // everywhere else it counts as untrusted (battery A-14).
        who.trusted = record->type != "metrics";
        who.restricted = record->restricted;
        who.projects = record->projects;
        return;
    }
    if (verdict == tls::ClientCa::Verdict::Issued) {
        const auto config = db_.serverConfig();
        const auto it = config.find("core.trust_ca_certificates");
        who.trusted = it != config.end() && config::isTrue(it->second);
    }
}

std::vector<db::CertificateRecord> TrustService::list() { return db::certificates(db_); }

db::CertificateRecord TrustService::get(const std::string& fingerprint) {
    // As upstream, a unique prefix names a certificate too (lxc config trust show/remove take
    // the short fingerprints lxc config trust list prints). Only unrestricted callers get here
    // with anything but their own whole fingerprint (RestrictedAccess), and they may list all.
    if (auto found = db::certificate(db_, fingerprint)) return *found;
    const auto matches = fingerprint.empty() ? std::vector<db::CertificateRecord>{} : db::certificatesWithPrefix(db_, fingerprint);
    if (matches.empty()) throw NotFound("Certificate not found");
    if (matches.size() > 1) throw BadRequest("More than one certificate matches");
    return matches.front();
}

std::optional<nlohmann::json> TrustService::checkSecret(const api::Requestor& caller, const std::string& secret) {
    const auto wait = throttle_.waitFor(caller.address);
    if (wait > std::chrono::seconds::zero()) {
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(wait).count() + 1;
        throw ApiError(429, "Too many failed attempts, retry in " + std::to_string(seconds) + "s");
    }
    if (!secret.empty()) {
        if (auto issued = tokens_.redeem(secret)) {
            throttle_.succeeded(caller.address);
            return issued;
        }
        const auto config = db_.serverConfig();
        const auto it = config.find("core.trust_password");
        if (it != config.end() && tls::verifyPassword(it->second, secret)) {
            throttle_.succeeded(caller.address);
            return std::nullopt;
        }
    }
    throttle_.failed(caller.address);
    Poco::Logger::get("trust").warning("refused a trust password or token from %s", caller.address);
    throw Forbidden("not authorized");
}

std::string TrustService::add(const api::Requestor& caller, const nlohmann::json& given) {
    nlohmann::json request = given;
    if (!caller.trusted) {
        // Enrolment: the caller's own certificate, for the trust password or a token. Newer
        // clients send the token as trust_token, 5.0 ones as the password.
        if (caller.certificate.empty()) throw Forbidden("not authorized");
        const std::string secret = request.value("trust_token", request.value("password", std::string()));
        if (auto issued = checkSecret(caller, secret)) {
            // What the token was issued for wins over what its bearer asks.
            for (const char* key : {"name", "type", "restricted", "projects"})
                if (issued->contains(key)) request[key] = (*issued)[key];
        }
    }
    const std::string type = request.value("type", std::string("client"));
    const std::string pem = request.value("certificate", std::string());
    checkType(type);

    tls::Certificate cert;
    if (!pem.empty()) {
        cert = tls::parseCertificate(pem);
        if (!caller.trusted && cert.fingerprint != caller.fingerprint) throw Forbidden("not authorized");
    } else if (!caller.certificate.empty()) {
        cert = tls::parseCertificate(caller.certificate);
    } else {
        throw BadRequest("No client certificate provided");
    }
    if (db::certificate(db_, cert.fingerprint)) throw Conflict("Certificate already in trust store");

    db::CertificateRecord record;
    record.fingerprint = cert.fingerprint;
    record.type = type;
    record.name = request.value("name", std::string());
    if (record.name.empty()) record.name = cert.commonName.empty() ? caller.address : cert.commonName;
    record.certificate = cert.pem;
    record.restricted = request.value("restricted", false);
    record.projects = projectsOf(request);
    db::createCertificate(db_, record);
    events_.lifecycle(kNoProject, "certificate-created", source(record.fingerprint));
    return record.fingerprint;
}

std::shared_ptr<ops::Operation> TrustService::issueToken(const api::Requestor& caller, const nlohmann::json& request,
                                                         const std::string& serverFingerprint,
                                                         const std::vector<std::string>& addresses) {
    if (!caller.trusted) throw Forbidden("not authorized");
    // A token names the addresses to join at; without core.https_address there are none.
    if (addresses.empty()) throw BadRequest("Can't issue token when server isn't listening on network");
    const std::string name = request.value("name", std::string());
    if (name.empty()) throw BadRequest("A certificate add token needs a client name");
    const std::string type = request.value("type", std::string("client"));
    checkType(type);
    const nlohmann::json issued = {{"name", name},
                                   {"type", type},
                                   {"restricted", request.value("restricted", false)},
                                   {"projects", projectsOf(request)}};
    return tokens_.issue(issued, serverFingerprint, addresses);
}

void TrustService::update(const db::CertificateRecord& cert) {
    checkType(cert.type);
    get(cert.fingerprint);
    db::updateCertificate(db_, cert);
    events_.lifecycle(kNoProject, "certificate-updated", source(cert.fingerprint));
}

void TrustService::remove(const std::string& fingerprint) {
    const auto cert = get(fingerprint);
    db::deleteCertificate(db_, cert.fingerprint);
    events_.lifecycle(kNoProject, "certificate-deleted", source(cert.fingerprint));
}

nlohmann::json TrustService::render(const db::CertificateRecord& cert) const {
    return {{"name", cert.name},
            {"type", cert.type},
            {"restricted", cert.restricted},
            {"projects", cert.projects},
            {"certificate", cert.certificate},
            {"fingerprint", cert.fingerprint}};
}

}  // namespace lxdp::services
