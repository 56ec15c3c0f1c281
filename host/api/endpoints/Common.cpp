#include "api/endpoints/Endpoints.h"

#include "services/ProjectFeatures.h"
#include "util/ApiError.h"

namespace lxdp::api {

std::vector<std::string> instancePaths(const std::string& suffix) {
    return {"/1.0/instances" + suffix, "/1.0/containers" + suffix};
}

std::string ifMatchHeader(Request& request) {
    std::string given = request.header("If-Match");
    if (given.size() >= 2 && given.front() == '"' && given.back() == '"') given = given.substr(1, given.size() - 2);
    return given;
}

void checkSharedWrite(Request& request, const std::string& effectiveProject) {
    if (!request.requestor().mayUse(effectiveProject)) throw Forbidden("Certificate is restricted");
}

std::string writableVolumeProject(Request& request, daemon::Context& ctx) {
    std::string project = services::volumeProject(ctx.db, request.project());
    checkSharedWrite(request, project);
    return project;
}

void checkIfMatch(Request& request, const std::string& etag) {
    const std::string given = ifMatchHeader(request);
    if (given.empty()) return;
    if (given != etag) throw PreconditionFailed("ETag doesn't match: " + etag + " vs " + given);
}

std::map<std::string, std::string> jsonStringMap(const nlohmann::json& j) {
    std::map<std::string, std::string> out;
    if (j.is_null()) return out;
    if (!j.is_object()) throw BadRequest("Expected an object of strings");
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!it.value().is_string()) throw BadRequest("Invalid value for \"" + it.key() + "\": expected a string");
        out[it.key()] = it.value().get<std::string>();
    }
    return out;
}

std::map<std::string, std::map<std::string, std::string>> jsonDeviceMap(const nlohmann::json& j) {
    std::map<std::string, std::map<std::string, std::string>> out;
    if (j.is_null()) return out;
    if (!j.is_object()) throw BadRequest("Expected an object of devices");
    for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = jsonStringMap(it.value());
    return out;
}

}  // namespace lxdp::api
