#include "api/endpoints/Endpoints.h"
#include "db/Database.h"
#include "services/ProfileService.h"
#include "services/ProjectFeatures.h"
#include "util/ApiError.h"

namespace lxdp::api {

using services::profileProject;

void registerProfileEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", "/1.0/profiles", [&ctx](Request& r) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& p : ctx.db.profiles(profileProject(ctx.db, r.project())))
            out.push_back(r.recursion() ? ctx.profiles.render(p) : nlohmann::json("/1.0/profiles/" + p.name));
        return Response::sync(out);
    });

    router.add("POST", "/1.0/profiles", [&ctx](Request& r) {
        checkSharedWrite(r, profileProject(ctx.db, r.project()));
        const auto& body = r.json();
        db::ProfileRecord p;
        p.project = profileProject(ctx.db, r.project());
        p.name = body.value("name", "");
        p.description = body.value("description", "");
        p.config = jsonStringMap(body.value("config", nlohmann::json::object()));
        p.devices = jsonDeviceMap(body.value("devices", nlohmann::json::object()));
        ctx.profiles.create(p);
        return Response::created("/1.0/profiles/" + p.name);
    });

    router.add("GET", "/1.0/profiles/{name}", [&ctx](Request& r) {
        auto p = ctx.profiles.get(profileProject(ctx.db, r.project()), r.param("name"));
        return Response::sync(ctx.profiles.render(p), ctx.profiles.etag(p));
    });

    auto update = [&ctx](Request& r, bool patch) {
        checkSharedWrite(r, profileProject(ctx.db, r.project()));
        auto p = ctx.profiles.get(profileProject(ctx.db, r.project()), r.param("name"));
        checkIfMatch(r, ctx.profiles.etag(p));
        const auto& body = r.json();
        auto config = jsonStringMap(body.value("config", nlohmann::json::object()));
        auto devices = jsonDeviceMap(body.value("devices", nlohmann::json::object()));
        putOrPatch(p.config, config, patch);
        putOrPatch(p.devices, devices, patch);
        if (body.contains("description") || !patch) p.description = body.value("description", "");
        ctx.profiles.update(p);
        return Response::sync(nlohmann::json::object());
    };
    router.add("PUT", "/1.0/profiles/{name}", [update](Request& r) { return update(r, false); });
    router.add("PATCH", "/1.0/profiles/{name}", [update](Request& r) { return update(r, true); });

    router.add("POST", "/1.0/profiles/{name}", [&ctx](Request& r) {
        checkSharedWrite(r, profileProject(ctx.db, r.project()));
        std::string to = r.json().value("name", "");
        ctx.profiles.rename(profileProject(ctx.db, r.project()), r.param("name"), to);
        return Response::created("/1.0/profiles/" + to);
    });

    router.add("DELETE", "/1.0/profiles/{name}", [&ctx](Request& r) {
        checkSharedWrite(r, profileProject(ctx.db, r.project()));
        ctx.profiles.remove(profileProject(ctx.db, r.project()), r.param("name"));
        return Response::sync(nullptr);
    });
}

}  // namespace lxdp::api
