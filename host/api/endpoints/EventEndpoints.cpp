#include <set>
#include <sstream>

#include "api/WebSocket.h"
#include "api/endpoints/Endpoints.h"
#include "events/EventHub.h"
#include "util/ApiError.h"

namespace lxdp::api {

void registerEventEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", "/1.0/events", [&ctx](Request& r) {
        std::set<std::string> types;
        std::stringstream list(r.query("type"));
        for (std::string t; std::getline(list, t, ',');) {
            if (t.empty()) continue;
            if (t != "logging" && t != "operation" && t != "lifecycle") throw BadRequest("'" + t + "' isn't a supported event type");
            types.insert(t);
        }
        bool all = r.query("all-projects") == "true";
        auto listener = ctx.events.subscribe(types, r.project(), all, !r.requestor().restricted);
        try {
            WebSocket ws(r);
            while (!listener->closed()) {
                if (auto frame = listener->next(200)) {
                    if (!ws.sendText(*frame)) break;
                    continue;
                }
                // Idle: see whether the client went away (its reads answer pings for us).
                auto msg = ws.receive(0);
                if (msg && msg->kind == WebSocket::Kind::Closed) break;
            }
        } catch (...) {
            ctx.events.unsubscribe(listener);
            throw;
        }
        ctx.events.unsubscribe(listener);
        return Response::handled();
    });
}

}  // namespace lxdp::api
