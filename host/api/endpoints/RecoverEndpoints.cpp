// /internal/recover/validate and /internal/recover/import, which `lxd recover` calls (upstream's
// internal API: synchronous answers, trusted callers only).
#include "api/endpoints/Endpoints.h"
#include "services/RecoveryService.h"
#include "util/ApiError.h"

namespace lxdp::api {

namespace {

// Upstream's internalRecoverValidatePost / internalRecoverImportPost: {"pools":[api.StoragePoolsPost]}.
std::vector<db::PoolRecord> requestedPools(const nlohmann::json& body) {
    if (!body.is_object() || !body.contains("pools") || !body["pools"].is_array())
        throw BadRequest("The request names no pools to scan");
    std::vector<db::PoolRecord> out;
    for (const auto& p : body["pools"]) {
        if (!p.is_object()) throw BadRequest("Invalid pool in the request");
        auto text = [&p](const char* key) {
            if (!p.contains(key) || p[key].is_null()) return std::string();
            if (!p[key].is_string()) throw BadRequest(std::string("Invalid \"") + key + "\" of a pool: expected a string");
            return p[key].get<std::string>();
        };
        db::PoolRecord rec;
        rec.name = text("name");
        rec.driver = text("driver");
        rec.description = text("description");
        rec.config = jsonStringMap(p.contains("config") ? p["config"] : nlohmann::json());
        out.push_back(std::move(rec));
    }
    return out;
}

}  // namespace

void registerRecoverEndpoints(Router& router, daemon::Context& ctx) {
    auto recovery = [&ctx] {
        return services::RecoveryService(ctx.db, ctx.events, ctx.plugins, ctx.storage, ctx.instances);
    };
    router.add("POST", "/internal/recover/validate",
               [recovery](Request& r) { return Response::sync(recovery().validate(requestedPools(r.json()))); });
    router.add("POST", "/internal/recover/import", [recovery](Request& r) {
        recovery().import(requestedPools(r.json()));
        return Response::sync(nullptr);
    });
}

}  // namespace lxdp::api
