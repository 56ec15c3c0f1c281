// /1.0/storage-pools/<pool>/volumes[/<type>[/<name>]]: list, create, copy, show, update,
// restore, rename, move and delete storage volumes. Refusals come before any operation starts.
#include <lxdp/storage.h>

#include "api/endpoints/Endpoints.h"
#include "db/Database.h"
#include "ops/OperationManager.h"
#include "services/VolumeService.h"
#include "util/ApiError.h"

namespace lxdp::api {

namespace {

const std::string kPools = "/1.0/storage-pools/";

nlohmann::json resources(const std::string& pool, const std::string& name) {
    return {{"storage_volumes", {kPools + pool + "/volumes/custom/" + name}}};
}

// Only custom volumes are changed through this API: the others follow their instance or image.
void requireCustom(const std::string& type) {
    if (services::volumeTypeOf(type) != LXDP_VOLUME_CUSTOM)
        throw BadRequest("Only custom storage volumes can be changed here, not \"" + type + "\" volumes");
}

std::string volumeUrl(const db::VolumeRecord& v) {
    return kPools + v.pool + "/volumes/" + services::volumeTypeName(v.type) + "/" + v.name +
           (v.project == "default" ? "" : "?project=" + v.project);
}

}  // namespace

void registerVolumeEndpoints(Router& router, daemon::Context& ctx) {
    auto& volumes = ctx.volumes;

    auto list = [&volumes](Request& r, int type) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& v : volumes.list(r.param("pool"), r.project(), type)) {
            if (r.recursion() == 0) out.push_back(volumeUrl(v));
            else out.push_back(volumes.render(v));
        }
        return Response::sync(out);
    };
    router.add("GET", kPools + "{pool}/volumes", [list](Request& r) { return list(r, -1); });
    router.add("GET", kPools + "{pool}/volumes/{type}",
               [list](Request& r) { return list(r, services::volumeTypeOf(r.param("type"))); });

    auto create = [&ctx, &volumes](Request& r) {
        const auto& body = r.json();
        // A copy from another project reads that project: the caller must be allowed it too
        // (the router only judged ?project=).
        if (const auto& source = body.value("source", nlohmann::json::object());
            source.is_object() && source.contains("project") && source["project"].is_string() &&
            !r.requestor().mayUse(source["project"].get<std::string>()))
            throw Forbidden("Not allowed to copy from project \"" + source["project"].get<std::string>() + "\"");
        auto planned = volumes.prepareCreate(r.param("pool"), writableVolumeProject(r, ctx), body);
        const auto source = body.value("source", nlohmann::json::object());
        const std::string sourceType = source.value("type", "");
        if (sourceType.empty()) {
            volumes.create(planned);
            return Response::sync(nullptr);
        }
        if (sourceType != "copy") throw BadRequest("Source type \"" + sourceType + "\" is not supported");
        auto op = ctx.ops.run(r.project(), "Copying storage volume", resources(planned.pool, planned.name),
                              [&volumes, planned, source](ops::Operation& op) { volumes.copy(planned, source, op); });
        return Response::async(op);
    };
    router.add("POST", kPools + "{pool}/volumes", create);
    router.add("POST", kPools + "{pool}/volumes/{type}", [create](Request& r) {
        requireCustom(r.param("type"));
        return create(r);
    });

    const std::string one = kPools + "{pool}/volumes/{type}/{name}";
    router.add("GET", one, [&volumes](Request& r) {
        auto v = volumes.get(r.param("pool"), r.project(), services::volumeTypeOf(r.param("type")), r.param("name"));
        return Response::sync(volumes.render(v), services::VolumeService::etag(v));
    });

    router.add("GET", one + "/state", [&volumes](Request& r) {
        return Response::sync(
            volumes.state(r.param("pool"), r.project(), services::volumeTypeOf(r.param("type")), r.param("name")));
    });

    auto update = [&ctx, &volumes](Request& r, bool patch) {
        // An image volume takes a new description (PUT only), as upstream.
        if (!patch && services::volumeTypeOf(r.param("type")) == LXDP_VOLUME_IMAGE) {
            checkSharedWrite(r, "default");
            auto v = volumes.get(r.param("pool"), r.project(), LXDP_VOLUME_IMAGE, r.param("name"));
            checkIfMatch(r, services::VolumeService::etag(v));
            volumes.updateImageVolume(v.pool, v.name, r.json());
            return Response::sync(nullptr);
        }
        requireCustom(r.param("type"));
        auto v = volumes.get(r.param("pool"), writableVolumeProject(r, ctx), LXDP_VOLUME_CUSTOM, r.param("name"));
        checkIfMatch(r, services::VolumeService::etag(v));
        volumes.update(v.pool, v.project, v.name, r.json(), patch);
        return Response::sync(nullptr);
    };
    router.add("PUT", one, [update](Request& r) { return update(r, false); });
    router.add("PATCH", one, [update](Request& r) { return update(r, true); });

    // {"name": new} renames; with "pool" set to another pool, moves; with "project", moves there.
    router.add("POST", one, [&ctx, &volumes](Request& r) {
        if (services::volumeTypeOf(r.param("type")) == LXDP_VOLUME_IMAGE)
            throw BadRequest("Renaming storage volumes of type \"image\" is not allowed");
        requireCustom(r.param("type"));
        const std::string pool = r.param("pool"), project = writableVolumeProject(r, ctx), name = r.param("name");
        const auto& body = r.json();
        if (body.value("migration", false)) throw BadRequest("Migration is not supported yet");
        const std::string to = body.value("name", name);
        const std::string toPool = body.value("pool", std::string()).empty() ? pool : body.value("pool", pool);
        // {"project": other} moves the volume into another project of the same pool.
        if (const std::string target = body.value("project", std::string()); !target.empty() && target != project) {
            if (toPool != pool) throw BadRequest("A storage volume moves to another project or to another pool, not both at once");
            if (!r.requestor().mayUse(target)) throw Forbidden("Not allowed to move into project \"" + target + "\"");
            volumes.checkProjectMove(pool, project, name, target, to);
            auto op = ctx.ops.run(r.project(), "Moving storage volume", resources(pool, name),
                                  [&volumes, pool, project, name, target, to](ops::Operation& op) {
                                      volumes.moveToProject(pool, project, name, target, to, op);
                                  });
            return Response::async(op);
        }
        volumes.checkRename(pool, project, name, to, toPool);
        if (toPool == pool) {
            volumes.rename(pool, project, name, to);
            return Response::created(kPools + pool + "/volumes/custom/" + to);
        }
        auto op = ctx.ops.run(r.project(), "Moving storage volume", resources(pool, name),
                              [&volumes, pool, project, name, to, toPool](ops::Operation& op) {
                                  volumes.move(pool, project, name, to, toPool, op);
                              });
        return Response::async(op);
    });

    router.add("DELETE", one, [&ctx, &volumes](Request& r) {
        if (services::volumeTypeOf(r.param("type")) == LXDP_VOLUME_IMAGE) {
            checkSharedWrite(r, "default");
            volumes.removeImageVolume(r.param("pool"), r.param("name"));
            return Response::sync(nullptr);
        }
        requireCustom(r.param("type"));
        volumes.remove(r.param("pool"), writableVolumeProject(r, ctx), r.param("name"));
        return Response::sync(nullptr);
    });
}

}  // namespace lxdp::api
