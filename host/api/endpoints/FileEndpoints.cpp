#include <Poco/Net/HTTPServerResponse.h>

#include <ctime>

#include "api/endpoints/Endpoints.h"
#include "db/Database.h"
#include "services/InstanceService.h"
#include "util/ApiError.h"

namespace lxdp::api {

namespace {

const char* typeName(uint32_t type) {
    switch (type) {
    case LXDP_FILE_DIRECTORY: return "directory";
    case LXDP_FILE_SYMLINK: return "symlink";
    default: return "file";
    }
}

std::map<std::string, std::string> fileHeaders(const plugins::FileInfo& info) {
    char mode[16];
    snprintf(mode, sizeof mode, "%04o", info.mode < 0 ? 0 : info.mode);
    char modified[64] = {};
    time_t t = static_cast<time_t>(info.mtime);
    struct tm tm {};
    gmtime_r(&t, &tm);
    strftime(modified, sizeof modified, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
    return {{"X-LXD-uid", std::to_string(info.uid)},
            {"X-LXD-gid", std::to_string(info.gid)},
            {"X-LXD-mode", mode},
            {"X-LXD-type", typeName(info.type)},
            {"X-LXD-modified", modified}};
}

int64_t headerInt(Request& r, const std::string& name, int base) {
    std::string v = r.header(name);
    if (v.empty()) return -1;
    try {
        size_t used = 0;
        long long n = std::stoll(v, &used, base);
        if (used != v.size()) throw std::invalid_argument(name);
        return n;
    } catch (const std::exception&) {
        throw BadRequest("Invalid " + name + " header: \"" + v + "\"");
    }
}

std::string filePath(Request& r) {
    std::string path = r.query("path");
    if (path.empty()) throw BadRequest("Missing path argument");
    if (path.front() != '/') path = "/" + path;
    return path;
}

}  // namespace

void registerFileEndpoints(Router& router, daemon::Context& ctx) {
    auto get = [&ctx](Request& r, bool headOnly) {
        auto& instances = ctx.instances;
        auto rec = instances.get(r.project(), r.param("name"));
        std::string content;
        std::vector<std::string> names;
        auto info = instances.driver(rec).fileGet(
            instances.ref(rec), filePath(r),
            [&](const char* data, size_t len) {
                if (!headOnly) content.append(data, len);
                return true;
            },
            &names);
        auto headers = fileHeaders(info);
        if (info.type == LXDP_FILE_DIRECTORY) {
            for (const auto& [k, v] : headers) r.response().set(k, v);
            return Response::sync(names);
        }
        std::string base = filePath(r);
        base = base.substr(base.find_last_of('/') + 1);
        headers["Content-Disposition"] = "inline;filename=" + base;
        return Response::raw(std::move(content), headers);
    };
    router.add("GET", instancePaths("/{name}/files"), [get](Request& r) { return get(r, false); });
    router.add("HEAD", instancePaths("/{name}/files"), [get](Request& r) { return get(r, true); });

    router.add("POST", instancePaths("/{name}/files"), [&ctx](Request& r) {
        auto& instances = ctx.instances;
        auto rec = instances.get(r.project(), r.param("name"));
        plugins::FileInfo info;
        std::string type = r.header("X-LXD-type");
        if (type.empty() || type == "file") info.type = LXDP_FILE_REGULAR;
        else if (type == "directory") info.type = LXDP_FILE_DIRECTORY;
        else if (type == "symlink") info.type = LXDP_FILE_SYMLINK;
        else throw BadRequest("Unknown file type \"" + type + "\"");
        info.uid = headerInt(r, "X-LXD-uid", 10);
        info.gid = headerInt(r, "X-LXD-gid", 10);
        if (info.uid > UINT32_MAX || info.gid > UINT32_MAX || info.uid < -1 || info.gid < -1)
            throw BadRequest("Invalid X-LXD-uid or X-LXD-gid header: out of range");
        int64_t mode = headerInt(r, "X-LXD-mode", 0);
        if (mode > 07777) throw BadRequest("Invalid X-LXD-mode header: not a file mode");
        info.mode = mode < 0 ? -1 : static_cast<int32_t>(mode & 07777);
        std::string write = r.header("X-LXD-write");
        if (write.empty() || write == "overwrite") info.writeMode = LXDP_FILE_WRITE_OVERWRITE;
        else if (write == "append") info.writeMode = LXDP_FILE_WRITE_APPEND;
        else throw BadRequest("Unknown write mode \"" + write + "\"");
        std::istream& body = r.body();
        instances.driver(rec).filePut(instances.ref(rec), filePath(r), info, [&](char* buf, size_t len) -> int64_t {
            body.read(buf, static_cast<std::streamsize>(len));
            return static_cast<int64_t>(body.gcount());
        });
        return Response::sync(nlohmann::json::object());
    });

    router.add("DELETE", instancePaths("/{name}/files"), [&ctx](Request& r) {
        auto& instances = ctx.instances;
        auto rec = instances.get(r.project(), r.param("name"));
        instances.driver(rec).fileDelete(instances.ref(rec), filePath(r));
        return Response::sync(nlohmann::json::object());
    });
}

}  // namespace lxdp::api
