#include "api/endpoints/Endpoints.h"
#include "services/NetworkService.h"
#include "util/ApiError.h"

namespace lxdp::api {

void registerNetworkEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", "/1.0/networks", [&ctx](Request& r) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& name : ctx.networks.names())
            out.push_back(r.recursion() ? ctx.networks.render(name) : nlohmann::json("/1.0/networks/" + name));
        return Response::sync(out);
    });

    router.add("POST", "/1.0/networks", [&ctx](Request& r) {
        const auto& body = r.json();
        const std::string name = body.value("name", "");
        ctx.networks.create(name, body.value("type", ""), body.value("description", ""),
                            jsonStringMap(body.value("config", nlohmann::json::object())));
        return Response::created("/1.0/networks/" + name);
    });

    router.add("GET", "/1.0/networks/{name}", [&ctx](Request& r) {
        return Response::sync(ctx.networks.render(r.param("name")), ctx.networks.etag(r.param("name")));
    });

    auto update = [&ctx](Request& r, bool patch) {
        const auto& body = r.json();
        const auto current = ctx.networks.render(r.param("name"));
        ctx.networks.update(r.param("name"), body.value("description", current.value("description", "")),
                            jsonStringMap(body.value("config", nlohmann::json::object())), patch, ifMatchHeader(r));
        return Response::sync(nlohmann::json::object());
    };
    router.add("PUT", "/1.0/networks/{name}", [update](Request& r) { return update(r, false); });
    router.add("PATCH", "/1.0/networks/{name}", [update](Request& r) { return update(r, true); });

    router.add("POST", "/1.0/networks/{name}", [&ctx](Request& r) {
        const std::string to = r.json().value("name", "");
        ctx.networks.rename(r.param("name"), to);
        return Response::created("/1.0/networks/" + to);
    });

    router.add("DELETE", "/1.0/networks/{name}", [&ctx](Request& r) {
        ctx.networks.remove(r.param("name"));
        return Response::sync(nullptr);
    });

    router.add("GET", "/1.0/networks/{name}/state",
               [&ctx](Request& r) { return Response::sync(ctx.networks.state(r.param("name"))); });

    router.add("GET", "/1.0/networks/{name}/leases",
               [&ctx](Request& r) { return Response::sync(ctx.networks.leases(r.param("name"))); });
}

}  // namespace lxdp::api
