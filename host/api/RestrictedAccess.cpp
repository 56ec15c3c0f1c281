#include "api/RestrictedAccess.h"

#include "api/Request.h"
#include "util/ApiError.h"

namespace lxdp::api {

namespace {

// Where the project a route acts on comes from. QueryIfGiven: shared resources, listed without a
// project, but a ?project= the certificate may not use is refused like anywhere else.
enum class ProjectFrom { Query, QueryIfGiven, PathName, None };

struct Rule {
    bool readOnly;                    // GET only
    std::vector<std::string> prefix;  // the route pattern starts with these segments
    ProjectFrom project;
    bool exact = false;               // the pattern is prefix itself
};

bool isParam(const std::string& segment) { return segment.size() > 2 && segment.front() == '{'; }

const std::vector<Rule>& rules() {
    static const std::vector<Rule> table = {
        // What every client reads first.
        {true, {}, ProjectFrom::None, true},
        {true, {"1.0"}, ProjectFrom::None, true},
        // An operation's websocket: its secret is the credential, and the endpoint shows a
        // restricted caller only the operations of its projects.
        {true, {"1.0", "operations", "{}", "websocket"}, ProjectFrom::None, true},
        // Project-scoped resources, in the project the request names (default otherwise).
        {false, {"1.0", "instances"}, ProjectFrom::Query},
        {false, {"1.0", "containers"}, ProjectFrom::Query},
        {false, {"1.0", "images"}, ProjectFrom::Query},
        {false, {"1.0", "profiles"}, ProjectFrom::Query},
        {false, {"1.0", "operations"}, ProjectFrom::Query},
        {true, {"1.0", "events"}, ProjectFrom::Query},
        // Its own projects, read-only (the listing is filtered by the endpoint).
        {true, {"1.0", "projects", "{}"}, ProjectFrom::PathName},
        {true, {"1.0", "projects"}, ProjectFrom::None},
        // Shared resources a launch needs to see, never to change.
        {true, {"1.0", "storage-pools"}, ProjectFrom::QueryIfGiven},
        {true, {"1.0", "networks"}, ProjectFrom::QueryIfGiven},
        // The host's hardware, which upstream shows every trusted caller.
        {true, {"1.0", "resources"}, ProjectFrom::None, true},
        // The certificate list, which the endpoint narrows to its own entry.
        {true, {"1.0", "certificates"}, ProjectFrom::None, true},
    };
    return table;
}

bool startsWith(const std::vector<std::string>& pattern, const std::vector<std::string>& prefix) {
    if (pattern.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
        if (prefix[i] == "{}" ? !isParam(pattern[i]) : prefix[i] != pattern[i]) return false;
    return true;
}

[[noreturn]] void refuse() { throw Forbidden("Certificate is restricted"); }

}  // namespace

void checkRestrictedAccess(const std::string& method, const std::vector<std::string>& pattern, const Request& request) {
    const Requestor& who = request.requestor();
    if (!who.restricted) return;
    // Every project at once is never a restricted view.
    if (request.hasQuery("all-projects") && request.query("all-projects") != "false") refuse();
    // Its own certificate, to read only: a restricted client never edits its restrictions.
    if (pattern == std::vector<std::string>{"1.0", "certificates", "{fingerprint}"}) {
        if (method != "GET" || request.param("fingerprint") != who.fingerprint) refuse();
        return;
    }
    for (const auto& rule : rules()) {
        if (!startsWith(pattern, rule.prefix) || (rule.exact && pattern.size() != rule.prefix.size())) continue;
        if (rule.readOnly && method != "GET") refuse();
        if (rule.project == ProjectFrom::Query && !who.mayUse(request.project())) refuse();
        if (rule.project == ProjectFrom::QueryIfGiven && request.hasQuery("project") && !who.mayUse(request.project()))
            refuse();
        if (rule.project == ProjectFrom::PathName && !who.mayUse(request.param("name"))) refuse();
        return;
    }
    refuse();
}

}  // namespace lxdp::api
