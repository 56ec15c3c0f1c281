#include "api/endpoints/Endpoints.h"
#include "db/Database.h"
#include "plugins/StorageDriver.h"
#include "services/StorageService.h"
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
}  // namespace

void registerStorageEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", "/1.0/storage-pools", [&ctx](Request& r) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& p : ctx.db.pools())
            out.push_back(r.recursion() ? ctx.storage.render(p) : nlohmann::json("/1.0/storage-pools/" + p.name));
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
        return Response::sync(ctx.storage.render(p), poolEtag(p));
    });

    auto update = [&ctx](Request& r, bool patch) {
        auto p = findPool(ctx, r.param("name"));
        checkIfMatch(r, poolEtag(p));
        const auto& body = r.json();
        auto given = jsonStringMap(body.value("config", nlohmann::json::object()));
        // Keys the driver chose at creation (source) stay unless given again.
        auto next = patch ? p.config : db::StringMap{{"source", p.config["source"]}};
        for (const auto& [k, v] : given) next[k] = v;
        if (next != p.config) {
            if (next["source"] != p.config["source"]) throw BadRequest("The \"source\" of a pool cannot be changed");
            throw BadRequest("Changing the config of a pool is not supported by this server yet");
        }
        p.description = body.value("description", p.description);
        ctx.db.updatePool(p);
        return Response::sync(nlohmann::json::object());
    };
    router.add("PUT", "/1.0/storage-pools/{name}", [update](Request& r) { return update(r, false); });
    router.add("PATCH", "/1.0/storage-pools/{name}", [update](Request& r) { return update(r, true); });

    router.add("DELETE", "/1.0/storage-pools/{name}", [&ctx](Request& r) {
        ctx.storage.remove(r.param("name"));
        return Response::sync(nullptr);
    });

    router.add("GET", "/1.0/storage-pools/{name}/resources", [&ctx](Request& r) {
        findPool(ctx, r.param("name"));
        auto [used, total] = ctx.storage.pool(r.param("name")).usage();
        return Response::sync({{"space", {{"used", used}, {"total", total}}},
                               {"inodes", {{"used", 0}, {"total", 0}}}});
    });
}

}  // namespace lxdp::api
