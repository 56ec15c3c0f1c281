#include <algorithm>

#include "api/endpoints/Endpoints.h"
#include "ops/OperationManager.h"
#include "util/ApiError.h"

namespace lxdp::api {

namespace {
constexpr double kCancelSettleSeconds = 1;

// A restricted caller knows only the operations of its projects, never those of no project.
std::shared_ptr<ops::Operation> find(daemon::Context& ctx, Request& r) {
    auto op = ctx.ops.get(r.param("id"));
    const auto& who = r.requestor();
    if (!op || (who.restricted && (op->project().empty() || !who.mayUse(op->project())))) throw NotFound("Operation not found");
    return op;
}

// Battery A-9: another certificate that may see the operation does not get its secrets.
nlohmann::json renderFor(const ops::Operation& op, const Request& r) {
    const auto& who = r.requestor();
    return op.render(who.protocol == "unix" || who.fingerprint == op.owner());
}
}  // namespace

void registerOperationEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", "/1.0/operations", [&ctx](Request& r) {
        // Certificate tokens belong to no project; restricted callers never see them (nor ask for
        // all projects: the router refuses that).
        auto ops = ctx.ops.list(r.hasQuery("all-projects") ? "" : r.project(), !r.requestor().restricted);
        if (r.recursion() == 0) {
            nlohmann::json out = nlohmann::json::object();
            for (const auto& op : ops) {
                std::string key = ops::statusName(op->status());
                std::transform(key.begin(), key.end(), key.begin(), ::tolower);
                out[key].push_back("/1.0/operations/" + op->id());
            }
            return Response::sync(out);
        }
        // Keyed by lower-case status: the client flattens this map.
        nlohmann::json out = nlohmann::json::object();
        for (const auto& op : ops) {
            std::string key = ops::statusName(op->status());
            std::transform(key.begin(), key.end(), key.begin(), ::tolower);
            out[key].push_back(renderFor(*op, r));
        }
        return Response::sync(out);
    });

    router.add("GET", "/1.0/operations/{id}", [&ctx](Request& r) { return Response::sync(renderFor(*find(ctx, r), r)); });

    router.add("DELETE", "/1.0/operations/{id}", [&ctx](Request& r) {
        auto op = find(ctx, r);
        if (!op->cancel()) throw BadRequest("This operation can't be cancelled");
        // An operation that stops promptly is final by the time the client hears back, as
        // upstream's (a revoked token is no longer listed).
        op->wait(kCancelSettleSeconds);
        return Response::sync(nullptr);
    });

    router.add("GET", "/1.0/operations/{id}/wait", [&ctx](Request& r) {
        auto op = find(ctx, r);
        double timeout = -1;
        try {
            timeout = std::stod(r.query("timeout", "-1"));
        } catch (...) {
            throw BadRequest("Invalid timeout");
        }
        op->wait(timeout);
        return Response::sync(renderFor(*op, r));
    });

    // Public: the operation's secret is the credential (the handler checks it).
    router.add("GET", "/1.0/operations/{id}/websocket", [&ctx](Request& r) {
        auto op = find(ctx, r);
        auto handler = op->websocketHandler();
        if (!handler)
            throw BadRequest(op->finished() ? "Operation has finished" : "Only websocket operations can be connected");
        handler(r.query("secret"), r);
        return Response::handled();
    }, Access::Public);
}

}  // namespace lxdp::api
