#include "services/TrustService.h"

#include <Poco/Logger.h>

#include <chrono>

#include "api/Request.h"
#include "db/Database.h"
#include "events/EventHub.h"
#include "tls/Certificate.h"
#include "tls/PasswordHash.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {

const std::string kHiddenPassword = "true";

void checkType(const std::string& type) {
    if (type != "client" && type != "metrics") throw BadRequest("Unknown certificate type \"" + type + "\"");
}

std::string source(const std::string& fingerprint) { return "/1.0/certificates/" + fingerprint; }

}  // namespace

std::string storedTrustPassword(const std::string& given, const std::string& current) {
    if (given == kHiddenPassword && tls::isPasswordHash(current)) return current;
    return tls::hashPassword(given);
}

bool TrustService::isTrusted(const std::string& fingerprint) {
    return !fingerprint.empty() && db::certificate(db_, fingerprint).has_value();
}

std::vector<db::CertificateRecord> TrustService::list() { return db::certificates(db_); }

db::CertificateRecord TrustService::get(const std::string& fingerprint) {
    // Short prefixes would let a caller probe the store; only the whole fingerprint names one.
    auto found = db::certificate(db_, fingerprint);
    if (!found) throw NotFound("Certificate not found");
    return *found;
}

void TrustService::checkPassword(const api::Requestor& caller, const std::string& password) {
    const auto wait = throttle_.waitFor(caller.address);
    if (wait > std::chrono::seconds::zero()) {
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(wait).count() + 1;
        throw ApiError(429, "Too many failed attempts, retry in " + std::to_string(seconds) + "s");
    }
    const auto config = db_.serverConfig();
    const auto it = config.find("core.trust_password");
    if (password.empty() || it == config.end() || !tls::verifyPassword(it->second, password)) {
        throttle_.failed(caller.address);
        Poco::Logger::get("trust").warning("refused a trust password from %s", caller.address);
        throw Forbidden("not authorized");
    }
    throttle_.succeeded(caller.address);
}

std::string TrustService::add(const api::Requestor& caller, const nlohmann::json& request) {
    const std::string type = request.value("type", std::string("client"));
    const std::string given = request.value("certificate", std::string());
    if (request.value("token", false)) throw BadRequest("Certificate add tokens are not supported");
    if (!caller.trusted) {
        // Enrolment: the caller's own certificate, for the trust password.
        if (caller.certificate.empty()) throw Forbidden("not authorized");
        checkPassword(caller, request.value("password", std::string()));
    }
    checkType(type);

    tls::Certificate cert;
    if (!given.empty()) {
        cert = tls::parseCertificate(given);
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
    // The Go client sends "projects": null for none.
    if (auto it = request.find("projects"); it != request.end() && !it->is_null())
        record.projects = it->get<std::vector<std::string>>();
    db::createCertificate(db_, record);
    events_.lifecycle("default", "certificate-created", source(record.fingerprint));
    return record.fingerprint;
}

void TrustService::update(const db::CertificateRecord& cert) {
    checkType(cert.type);
    get(cert.fingerprint);
    db::updateCertificate(db_, cert);
    events_.lifecycle("default", "certificate-updated", source(cert.fingerprint));
}

void TrustService::remove(const std::string& fingerprint) {
    get(fingerprint);
    db::deleteCertificate(db_, fingerprint);
    events_.lifecycle("default", "certificate-deleted", source(fingerprint));
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
