#include "api/endpoints/Endpoints.h"
#include "db/Database.h"
#include "services/TrustService.h"
#include "tls/HttpsListener.h"
#include "tls/ServerCertificate.h"
#include "util/ApiError.h"
#include "util/Hash.h"

namespace lxdp::api {

void registerCertificateEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", "/1.0/certificates", [&ctx](Request& r) {
        nlohmann::json out = nlohmann::json::array();
        // A restricted certificate sees its own entry only (battery A-8).
        const auto& who = r.requestor();
        for (const auto& c : ctx.trust.list()) {
            if (who.restricted && c.fingerprint != who.fingerprint) continue;
            out.push_back(r.recursion() ? ctx.trust.render(c) : nlohmann::json("/1.0/certificates/" + c.fingerprint));
        }
        return Response::sync(out);
    });

    // Enrolment: the one write an untrusted client may attempt (TrustService decides).
    router.add(
        "POST", "/1.0/certificates",
        [&ctx](Request& r) {
            if (r.json().value("token", false)) {
                const auto config = ctx.db.serverConfig();
                const auto https = config.find("core.https_address");
                return Response::async(ctx.trust.issueToken(
                    r.requestor(), r.json(), ctx.serverCertificate.certificate.fingerprint,
                    tls::reachableAddresses(https == config.end() ? "" : https->second)));
            }
            const std::string fingerprint = ctx.trust.add(r.requestor(), r.json());
            return Response::created("/1.0/certificates/" + fingerprint);
        },
        Access::Public);

    router.add("GET", "/1.0/certificates/{fingerprint}", [&ctx](Request& r) {
        const auto view = ctx.trust.render(ctx.trust.get(r.param("fingerprint")));
        return Response::sync(view, util::sha256Hex(view.dump()));
    });

    auto update = [&ctx](Request& r, bool patch) {
        auto cert = ctx.trust.get(r.param("fingerprint"));
        checkIfMatch(r, util::sha256Hex(ctx.trust.render(cert).dump()));
        const auto& body = r.json();
        if (!patch || body.contains("name")) cert.name = body.value("name", std::string());
        if (!patch || body.contains("type")) cert.type = body.value("type", std::string("client"));
        if (!patch || body.contains("restricted")) cert.restricted = body.value("restricted", false);
        if (!patch || body.contains("projects")) {
            const auto projects = body.value("projects", nlohmann::json::array());
            cert.projects = projects.is_null() ? std::vector<std::string>{} : projects.get<std::vector<std::string>>();
        }
        ctx.trust.update(cert);
        return Response::sync(nlohmann::json::object());
    };
    router.add("PUT", "/1.0/certificates/{fingerprint}", [update](Request& r) { return update(r, false); });
    router.add("PATCH", "/1.0/certificates/{fingerprint}", [update](Request& r) { return update(r, true); });

    router.add("DELETE", "/1.0/certificates/{fingerprint}", [&ctx](Request& r) {
        ctx.trust.remove(r.param("fingerprint"));
        return Response::sync(nullptr);
    });
}

}  // namespace lxdp::api
