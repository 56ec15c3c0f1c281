#include "api/endpoints/Endpoints.h"
#include "db/Database.h"
#include "util/ApiError.h"

namespace lxdp::api {

namespace {
nlohmann::json render(daemon::Context& ctx, const db::ProjectRecord& p) {
    nlohmann::json usedBy = nlohmann::json::array();
    for (const auto& i : ctx.db.instances(p.name)) usedBy.push_back("/1.0/instances/" + i.name);
    for (const auto& pr : ctx.db.profiles(p.name)) usedBy.push_back("/1.0/profiles/" + pr.name);
    return {{"name", p.name}, {"description", p.description}, {"config", p.config}, {"used_by", usedBy}};
}
}  // namespace

// Projects are read-only for now: the default project exists, creating others comes later.
void registerProjectEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", "/1.0/projects", [&ctx](Request& r) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& p : ctx.db.projects())
            out.push_back(r.recursion() ? render(ctx, p) : nlohmann::json("/1.0/projects/" + p.name));
        return Response::sync(out);
    });
    router.add("GET", "/1.0/projects/{name}", [&ctx](Request& r) {
        auto p = ctx.db.project(r.param("name"));
        if (!p) throw NotFound("Project not found");
        return Response::sync(render(ctx, *p));
    });
    router.add("POST", "/1.0/projects", [](Request&) -> Response {
        throw BadRequest("Creating projects is not supported yet: only the default project exists");
    });
}

}  // namespace lxdp::api
