// Each file of this folder registers the routes of one API area.
#pragma once

#include <iosfwd>
#include <optional>

#include "api/Router.h"
#include "daemon/Context.h"

namespace lxdp::ops { class Operation; }

namespace lxdp::util { class Sha256; }

namespace lxdp::api {

void registerServerEndpoints(Router& router, daemon::Context& ctx);
void registerOperationEndpoints(Router& router, daemon::Context& ctx);
void registerEventEndpoints(Router& router, daemon::Context& ctx);
void registerProjectEndpoints(Router& router, daemon::Context& ctx);
void registerStorageEndpoints(Router& router, daemon::Context& ctx);
void registerVolumeEndpoints(Router& router, daemon::Context& ctx);
void registerVolumeSnapshotEndpoints(Router& router, daemon::Context& ctx);
void registerNetworkEndpoints(Router& router, daemon::Context& ctx);
void registerProfileEndpoints(Router& router, daemon::Context& ctx);
void registerImageEndpoints(Router& router, daemon::Context& ctx);
void registerInstanceEndpoints(Router& router, daemon::Context& ctx);
void registerSnapshotEndpoints(Router& router, daemon::Context& ctx);
void registerExecEndpoints(Router& router, daemon::Context& ctx);
void registerFileEndpoints(Router& router, daemon::Context& ctx);
void registerCertificateEndpoints(Router& router, daemon::Context& ctx);
void registerBackupEndpoints(Router& router, daemon::Context& ctx);
void registerRecoverEndpoints(Router& router, daemon::Context& ctx);
void registerMetadataEndpoints(Router& router, daemon::Context& ctx);
void registerResourceEndpoints(Router& router, daemon::Context& ctx);
void registerConsoleEndpoints(Router& router, daemon::Context& ctx);

// Both spellings of the instance collection: pylxd 2.2 knows only /1.0/containers.
std::vector<std::string> instancePaths(const std::string& suffix);

// Checks If-Match against the current ETag: 412 on mismatch.
void checkIfMatch(Request& request, const std::string& etag);
// The If-Match ETag without its quotes; empty when the client sent none.
std::string ifMatchHeader(Request& request);

// A project without features.images (or .profiles) works on the default project's: a restricted
// caller may read them there, but a write reaches effectiveProject only if the caller may use
// it (403 otherwise, as for any project it may not use).
void checkSharedWrite(Request& request, const std::string& effectiveProject);
// The same for custom storage volumes (features.storage.volumes): the project whose volumes the
// request changes, once the caller may change them.
std::string writableVolumeProject(Request& request, daemon::Context& ctx);

// PUT replaces a map as a whole, PATCH merges the given keys into it.
template <class Map>
void putOrPatch(Map& target, const Map& given, bool patch) {
    if (!patch) {
        target = given;
        return;
    }
    for (const auto& [k, v] : given) target[k] = v;
}

// Streams the request body into a new file (exclusive, 0600), feeding hash when given; returns
// its size. On failure the file is removed. Uploads count against limits.disk of the request's
// project: a body beyond what it leaves is refused (400) as soon as it passes that, never stored.
int64_t receiveBodyToFile(Request& r, const std::string& path, util::Sha256* hash, db::Database& db);
// The same for any stream (a part of a multipart upload): room is what limits.disk of project
// leaves for it (none: no limit).
int64_t receiveStreamToFile(std::istream& in, const std::string& path, util::Sha256* hash,
                            std::optional<int64_t> room, const std::string& project);

// POST /1.0/instances with a backup tarball as the body (lxc import), and POST /1.0/images
// from an instance or snapshot (lxc publish); the JSON handlers of those paths dispatch here.
Response importInstanceBackup(Request& r, daemon::Context& ctx);
Response publishImage(Request& r, daemon::Context& ctx);
// POST /1.0/images from an image server (source type "image") or an image URL ("url").
Response downloadImage(Request& r, daemon::Context& ctx);
// An instance's image source as a local one: the image of another server is obtained first
// (downloaded and cached, or found in the cache). Other sources are returned as they are.
nlohmann::json localImageSource(daemon::Context& ctx, const std::string& project, const nlohmann::json& source,
                                ops::Operation& op);

// Helpers for the JSON of request bodies, with the strict types of the Go client.
std::map<std::string, std::string> jsonStringMap(const nlohmann::json& j);
std::map<std::string, std::map<std::string, std::string>> jsonDeviceMap(const nlohmann::json& j);

}  // namespace lxdp::api
