#include "api/endpoints/ClusterEndpoints.h"

#include <algorithm>

#include "api/endpoints/Endpoints.h"
#include "db/Database.h"
#include "util/ApiError.h"

namespace lxdp::api {

namespace {

// The pool keys that differ per cluster member, in upstream's order: a member joining a
// cluster is asked for those its pools have.
const std::vector<std::string> kMemberSpecificPoolKeys = {"size", "source", "zfs.pool_name", "lvm.thinpool_name",
                                                          "lvm.vg_name"};

nlohmann::json memberConfig(db::Database& db) {
    auto pools = db.pools();
    std::sort(pools.begin(), pools.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    nlohmann::json out = nlohmann::json::array();
    for (const auto& pool : pools)
        for (const auto& key : kMemberSpecificPoolKeys)
            if (pool.config.count(key))
                out.push_back({{"entity", "storage-pool"},
                               {"name", pool.name},
                               {"key", key},
                               {"value", ""},
                               {"description", "\"" + key + "\" property for storage pool \"" + pool.name + "\""}});
    return out;
}

Response notClustered(Request&) { throw BadRequest("Server is not clustered"); }

}  // namespace

// This daemon is never a cluster member: it answers as a standalone upstream server does, so
// that lxc cluster list and pylxd see "not clustered" instead of a missing endpoint. Upstream
// answers the member paths with 500; a request a standalone server cannot serve is a 400 here.
void registerClusterEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", "/1.0/cluster", [&ctx](Request&) {
        return Response::sync({{"server_name", ""}, {"enabled", false}, {"member_config", memberConfig(ctx.db)}});
    });
    router.add("PUT", "/1.0/cluster", [](Request&) -> Response {
        throw BadRequest("Clustering is not supported by this server");
    });
    for (const char* method : {"GET", "POST"}) router.add(method, "/1.0/cluster/members", notClustered);
    for (const char* method : {"GET", "PUT", "PATCH", "POST", "DELETE"})
        router.add(method, "/1.0/cluster/members/{name}", notClustered);
}

}  // namespace lxdp::api
