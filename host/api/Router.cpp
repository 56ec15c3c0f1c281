#include "api/Router.h"

#include "api/PathSegments.h"
#include "api/RestrictedAccess.h"
#include "util/ApiError.h"

namespace lxdp::api {

void Router::add(const std::string& method, const std::string& pattern, Handler handler, Access access) {
    routes_.push_back(Route{method, splitPath(pattern), std::move(handler), access});
}

void Router::add(const std::string& method, const std::vector<std::string>& patterns, const Handler& handler) {
    for (const auto& p : patterns) add(method, p, handler);
}

std::vector<Router::Described> Router::describe() const {
    std::vector<Described> out;
    for (const auto& route : routes_) {
        std::string pattern;
        for (const auto& segment : route.segments) pattern += "/" + segment;
        out.push_back({route.method, pattern.empty() ? "/" : pattern, route.access});
    }
    return out;
}

Response Router::dispatch(Request& request) const {
    // The path was decoded segment by segment, so an encoded '/' stays inside its segment.
    const auto segments = splitPath(request.path());
    if (commonHeaders_ && (segments.empty() || segments.front() != "internal")) commonHeaders_(request);
    if (request.method() == "OPTIONS") return Response::raw("", {}, "text/plain");
    bool pathKnown = false;
    const Route* best = nullptr;
    size_t bestLiterals = 0;
    std::map<std::string, std::string> bestParams;
    for (const auto& route : routes_) {
        if (route.segments.size() != segments.size()) continue;
        std::map<std::string, std::string> params;
        size_t literals = 0;
        bool match = true;
        for (size_t i = 0; i < segments.size() && match; ++i) {
            const auto& want = route.segments[i];
            if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
                params[want.substr(1, want.size() - 2)] = segments[i];
            } else {
                match = want == segments[i];
                ++literals;
            }
        }
        if (!match) continue;
        pathKnown = true;
        // A literal segment beats a parameter: /1.0/images/aliases is not an image.
        if (route.method != request.method() || (best && literals <= bestLiterals)) continue;
        best = &route;
        bestLiterals = literals;
        bestParams = std::move(params);
    }
    if (best) {
        // Before anything else looks at the request: an untrusted caller learns nothing more.
        // The whole trust decision is made here, before any handler runs.
        if (best->access != Access::Public && !request.requestor().trusted) throw Forbidden("not authorized");
        request.setParams(std::move(bestParams));
        // A restricted caller is judged before the project's existence is looked up: other
        // projects are refused alike whether they exist or not.
        // Public routes too: a restricted client must not enrol other certificates.
        checkRestrictedAccess(best->method, best->segments, request);
        // An untrusted caller (public routes only) sees public images alike in every project name,
        // so a missing project must not answer differently from an existing one.
        if (projectCheck_ && request.hasQuery("project") && request.requestor().trusted)
            projectCheck_(request.project());
        return best->handler(request);
    }
    if (pathKnown) throw ApiError(405, "method not allowed");
    throw NotFound("not found");
}

}  // namespace lxdp::api
