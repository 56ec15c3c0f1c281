#include "api/endpoints/Endpoints.h"
#include "db/Database.h"
#include "plugins/StorageDriver.h"
#include "services/StorageService.h"
#include "services/resources/PoolResources.h"
#include "util/ApiError.h"
#include "util/Hash.h"

namespace lxdp::api {

namespace {
db::PoolRecord findPool(daemon::Context& ctx, const std::string& name) {
    auto p = ctx.db.pool(name);
    if (!p) throw NotFound("Storage pool not found");
    return *p;
}

std::string poolEtag(const db::PoolRecord& p) {
    return util::sha256Hex(nlohmann::json{{"description", p.description}, {"config", p.config}}.dump());
}
// A restricted certificate may see that a pool exists, not where it lives on the host.
nlohmann::json renderFor(daemon::Context& ctx, const db::PoolRecord& pool, const Request& r) {
    auto out = ctx.storage.render(pool);
    if (r.requestor().restricted) out["config"] = nlohmann::json::object();
    return out;
}
}  // namespace

void registerStorageEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", "/1.0/storage-pools", [&ctx](Request& r) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& p : ctx.db.pools())
            out.push_back(r.recursion() ? renderFor(ctx, p, r) : nlohmann::json("/1.0/storage-pools/" + p.name));
        return Response::sync(out);
    });

    router.add("POST", "/1.0/storage-pools", [&ctx](Request& r) {
        const auto& body = r.json();
        std::string name = body.value("name", "");
        ctx.storage.create(name, body.value("driver", ""), body.value("description", ""),
                           jsonStringMap(body.value("config", nlohmann::json::object())));
        return Response::created("/1.0/storage-pools/" + name);
    });

    router.add("GET", "/1.0/storage-pools/{name}", [&ctx](Request& r) {
        auto p = findPool(ctx, r.param("name"));
        return Response::sync(renderFor(ctx, p, r), poolEtag(p));
    });

    auto update = [&ctx](Request& r, bool patch) {
        auto p = findPool(ctx, r.param("name"));
        checkIfMatch(r, poolEtag(p));
        const auto& body = r.json();
        auto given = jsonStringMap(body.value("config", nlohmann::json::object()));
        // Keys the driver chose at creation (source, volatile.*) stay unless given again.
        auto next = p.config;
        if (!patch)
            for (auto it = next.begin(); it != next.end();)
                it = it->first == "source" || it->first.rfind("volatile.", 0) == 0 ? std::next(it) : next.erase(it);
        for (const auto& [k, v] : given) {
            if (v.empty()) next.erase(k);
            else next[k] = v;
        }
        ctx.storage.update(p.name, body.value("description", patch ? p.description : std::string()), next);
        return Response::sync(nlohmann::json::object());
    };
    router.add("PUT", "/1.0/storage-pools/{name}", [update](Request& r) { return update(r, false); });
    router.add("PATCH", "/1.0/storage-pools/{name}", [update](Request& r) { return update(r, true); });

    router.add("DELETE", "/1.0/storage-pools/{name}", [&ctx](Request& r) {
        ctx.storage.remove(r.param("name"));
        return Response::sync(nullptr);
    });

    router.add("GET", "/1.0/storage-pools/{name}/resources", [&ctx](Request& r) {
        const auto record = findPool(ctx, r.param("name"));
        return Response::sync(
            services::resources::poolResources(record, ctx.storage.pool(record.name), ctx.paths.storagePools));
    });
}

}  // namespace lxdp::api
