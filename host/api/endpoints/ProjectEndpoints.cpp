#include "api/endpoints/Endpoints.h"
#include "db/Database.h"
#include "services/ProjectService.h"
#include "util/ApiError.h"

namespace lxdp::api {

void registerProjectEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", "/1.0/projects", [&ctx](Request& r) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& p : ctx.db.projects())
            if (r.requestor().mayUse(p.name))
                out.push_back(r.recursion() ? ctx.projects.render(p) : nlohmann::json("/1.0/projects/" + p.name));
        return Response::sync(out);
    });

    router.add("POST", "/1.0/projects", [&ctx](Request& r) {
        const auto& body = r.json();
        db::ProjectRecord p{body.value("name", ""), body.value("description", ""),
                            jsonStringMap(body.value("config", nlohmann::json::object()))};
        ctx.projects.create(p);
        return Response::created("/1.0/projects/" + p.name);
    });

    router.add("GET", "/1.0/projects/{name}", [&ctx](Request& r) {
        auto p = ctx.projects.get(r.param("name"));
        return Response::sync(ctx.projects.render(p), ctx.projects.etag(p));
    });

    router.add("GET", "/1.0/projects/{name}/state", [&ctx](Request& r) {
        return Response::sync(ctx.projects.renderState(r.param("name")));
    });

    auto update = [&ctx](Request& r, bool patch) {
        auto p = ctx.projects.get(r.param("name"));
        checkIfMatch(r, ctx.projects.etag(p));
        const auto& body = r.json();
        auto config = jsonStringMap(body.value("config", nlohmann::json::object()));
        putOrPatch(p.config, config, patch);
        if (!patch || body.contains("description")) p.description = body.value("description", "");
        ctx.projects.update(p);
        return Response::sync(nlohmann::json::object());
    };
    router.add("PUT", "/1.0/projects/{name}", [update](Request& r) { return update(r, false); });
    router.add("PATCH", "/1.0/projects/{name}", [update](Request& r) { return update(r, true); });

    router.add("POST", "/1.0/projects/{name}", [&ctx](Request& r) {
        std::string to = r.json().value("name", "");
        ctx.projects.rename(r.param("name"), to);
        return Response::created("/1.0/projects/" + to);
    });

    router.add("DELETE", "/1.0/projects/{name}", [&ctx](Request& r) {
        ctx.projects.remove(r.param("name"));
        return Response::sync(nullptr);
    });
}

}  // namespace lxdp::api
