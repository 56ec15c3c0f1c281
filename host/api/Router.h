// Maps method + path pattern ("/1.0/instances/{name}/state") to handlers.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/Request.h"
#include "api/Response.h"

namespace lxdp::api {

using Handler = std::function<Response(Request&)>;

// Who may call a route: most need a trusted caller; Public routes also answer untrusted HTTPS
// clients (GET /1.0, enrolment, operation websockets with their secret).
enum class Access { Trusted, Public };

class Router {
public:
    void add(const std::string& method, const std::string& pattern, Handler handler, Access access = Access::Trusted);
    // Registers the same handler under several patterns (/1.0/instances and /1.0/containers).
    void add(const std::string& method, const std::vector<std::string>& patterns, const Handler& handler);

    // Called with the ?project= of every request that names one (an unknown project is a 404).
    void setProjectCheck(std::function<void(const std::string&)> check) { projectCheck_ = std::move(check); }
    // Sets headers on the response to every request but the daemon's internal ones (CORS).
    void setCommonHeaders(std::function<void(Request&)> set) { commonHeaders_ = std::move(set); }

    // Runs the matching handler: 404 for an unknown path, 405 for a known path and other method,
    // 403 for an untrusted caller on a route that is not Public, and for a restricted caller
    // outside what RestrictedAccess allows. OPTIONS (a browser's preflight) is answered by the
    // common headers alone, on any path.
    Response dispatch(Request& request) const;

    // Every route, for the daemon's own listing (tests check the trust gate on each).
    struct Described {
        std::string method;
        std::string pattern;
        Access access;
    };
    std::vector<Described> describe() const;

private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;
        Handler handler;
        Access access;
    };
    std::vector<Route> routes_;
    std::function<void(const std::string&)> projectCheck_;
    std::function<void(Request&)> commonHeaders_;
};

}  // namespace lxdp::api
