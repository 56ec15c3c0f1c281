// /1.0/storage-pools/<pool>/volumes/custom/<volume>/snapshots[/<snapshot>]: list, take, show,
// update, rename, delete. A restore is a PUT {"restore": ...} on the volume.
#include "api/endpoints/Endpoints.h"
#include "ops/OperationManager.h"
#include "services/ProjectFeatures.h"
#include "services/SnapshotFields.h"
#include "services/VolumeService.h"
#include "util/ApiError.h"

namespace lxdp::api {

namespace {

const std::string kVolumes = "/1.0/storage-pools/{pool}/volumes/{type}/{name}/snapshots";

nlohmann::json resources(const std::string& pool, const std::string& volume) {
    return {{"storage_volumes", {"/1.0/storage-pools/" + pool + "/volumes/custom/" + volume}}};
}

void requireCustom(Request& r) {
    if (r.param("type") != "custom") throw BadRequest("Only custom storage volumes have snapshots here");
}

}  // namespace

void registerVolumeSnapshotEndpoints(Router& router, daemon::Context& ctx) {
    auto& volumes = ctx.volumes;

    router.add("GET", kVolumes, [&ctx, &volumes](Request& r) {
        requireCustom(r);
        nlohmann::json out = nlohmann::json::array();
        const std::string project = services::volumeProject(ctx.db, r.project());
        for (const auto& s : volumes.snapshots(r.param("pool"), project, r.param("name"))) {
            if (r.recursion() == 0)
                out.push_back("/1.0/storage-pools/" + s.pool + "/volumes/custom/" + s.volume + "/snapshots/" + s.name);
            else out.push_back(volumes.renderSnapshot(s));
        }
        return Response::sync(out);
    });

    router.add("POST", kVolumes, [&ctx, &volumes](Request& r) {
        requireCustom(r);
        auto planned = volumes.prepareSnapshot(r.param("pool"), writableVolumeProject(r, ctx), r.param("name"), r.json());
        auto op = ctx.ops.run(r.project(), "Snapshotting storage volume", resources(planned.pool, planned.volume),
                              [&volumes, planned](ops::Operation& op) { volumes.createSnapshot(planned, op); });
        return Response::async(op);
    });

    const std::string one = kVolumes + "/{snapshot}";
    auto find = [&ctx, &volumes](Request& r) {
        requireCustom(r);
        // Only GET reads: every other method changes the snapshot.
        const std::string project = r.method() == "GET" ? services::volumeProject(ctx.db, r.project())
                                                        : writableVolumeProject(r, ctx);
        return volumes.snapshot(r.param("pool"), project, r.param("name"), r.param("snapshot"));
    };

    router.add("GET", one, [&volumes, find](Request& r) {
        auto s = find(r);
        return Response::sync(volumes.renderSnapshot(s), services::VolumeService::snapshotEtag(s));
    });

    auto update = [&volumes, find](Request& r, bool patch) {
        auto s = find(r);
        checkIfMatch(r, services::VolumeService::snapshotEtag(s));
        const auto& body = r.json();
        if (!patch || body.contains("expires_at"))
            s.expiresAt = services::snapshotExpiry(body.value("expires_at", nlohmann::json()));
        if (!patch || body.contains("description")) s.description = body.value("description", "");
        volumes.updateSnapshot(s);
        return Response::sync(nullptr);
    };
    router.add("PUT", one, [update](Request& r) { return update(r, false); });
    router.add("PATCH", one, [update](Request& r) { return update(r, true); });

    router.add("POST", one, [&ctx, &volumes, find](Request& r) {
        auto s = find(r);
        const std::string to = r.json().value("name", "");
        volumes.checkSnapshotRename(s, to);
        auto op = ctx.ops.run(r.project(), "Renaming storage volume snapshot", resources(s.pool, s.volume),
                              [&volumes, s, to](ops::Operation&) { volumes.renameSnapshot(s, to); });
        return Response::async(op);
    });

    router.add("DELETE", one, [&ctx, &volumes, find](Request& r) {
        auto s = find(r);
        auto op = ctx.ops.run(r.project(), "Deleting storage volume snapshot", resources(s.pool, s.volume),
                              [&volumes, s](ops::Operation&) { volumes.deleteSnapshot(s); });
        return Response::async(op);
    });
}

}  // namespace lxdp::api
