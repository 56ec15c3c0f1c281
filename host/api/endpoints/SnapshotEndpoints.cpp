// /1.0/instances/<name>/snapshots[/<snapshot>]: list, take, show, update, rename, delete.
// Every refusal (missing instance or snapshot, bad or taken name) comes before the operation.
#include "api/endpoints/Endpoints.h"
#include "ops/OperationManager.h"
#include "services/InstanceService.h"
#include "services/InstanceVolumes.h"
#include "services/SnapshotFields.h"
#include "util/ApiError.h"

namespace lxdp::api {

namespace {

nlohmann::json resources(const std::string& instance, const std::string& snapshot) {
    return {{"instances", {services::instanceUrl(instance)}},
            {"containers", {"/1.0/containers/" + instance}},
            {"instances_snapshots", {services::snapshotUrl(instance, snapshot)}}};
}

// expires_at and description of a PUT (absent: cleared) or PATCH (absent: kept).
void applyBody(db::InstanceSnapshotRecord& snap, const nlohmann::json& body, bool patch) {
    if (!patch || body.contains("expires_at"))
        snap.expiresAt = services::snapshotExpiry(body.value("expires_at", nlohmann::json()));
    if (!patch || body.contains("description")) snap.description = body.value("description", "");
}

}  // namespace

void registerSnapshotEndpoints(Router& router, daemon::Context& ctx) {
    auto& instances = ctx.instances;

    router.add("GET", instancePaths("/{name}/snapshots"), [&instances](Request& r) {
        auto rec = instances.get(r.project(), r.param("name"));
        nlohmann::json out = nlohmann::json::array();
        for (const auto& snap : instances.snapshots(rec.project, rec.name)) {
            if (r.recursion() == 0) out.push_back(services::snapshotUrl(rec.name, snap.name));
            else out.push_back(instances.renderSnapshot(rec, snap, true));
        }
        return Response::sync(out);
    });

    router.add("POST", instancePaths("/{name}/snapshots"), [&ctx, &instances](Request& r) {
        auto planned = instances.prepareSnapshot(r.project(), r.param("name"), r.json());
        auto op = ctx.ops.run(r.project(), "Snapshotting instance", resources(planned.instance, planned.name),
                              [&instances, planned](ops::Operation& op) { instances.createSnapshot(planned, op); });
        return Response::async(op);
    });

    router.add("GET", instancePaths("/{name}/snapshots/{snapshot}"), [&instances](Request& r) {
        auto rec = instances.get(r.project(), r.param("name"));
        auto snap = instances.snapshot(rec.project, rec.name, r.param("snapshot"));
        return Response::sync(instances.renderSnapshot(rec, snap, true), services::InstanceService::snapshotEtag(snap));
    });

    auto update = [&ctx, &instances](Request& r, bool patch) {
        instances.get(r.project(), r.param("name"));
        auto snap = instances.snapshot(r.project(), r.param("name"), r.param("snapshot"));
        checkIfMatch(r, services::InstanceService::snapshotEtag(snap));
        applyBody(snap, r.json(), patch);
        auto op = ctx.ops.run(r.project(), "Updating snapshot", resources(snap.instance, snap.name),
                              [&instances, snap](ops::Operation&) { instances.updateSnapshot(snap); });
        return Response::async(op);
    };
    router.add("PUT", instancePaths("/{name}/snapshots/{snapshot}"), [update](Request& r) { return update(r, false); });
    router.add("PATCH", instancePaths("/{name}/snapshots/{snapshot}"), [update](Request& r) { return update(r, true); });

    router.add("POST", instancePaths("/{name}/snapshots/{snapshot}"), [&ctx, &instances](Request& r) {
        const std::string project = r.project(), instance = r.param("name"), from = r.param("snapshot");
        const auto& body = r.json();
        if (body.value("migration", false)) throw BadRequest("Migration is not supported yet");
        const std::string to = body.value("name", "");
        instances.checkSnapshotRename(project, instance, from, to);
        auto op = ctx.ops.run(project, "Renaming snapshot", resources(instance, from),
                              [&instances, project, instance, from, to](ops::Operation&) {
                                  instances.renameSnapshot(project, instance, from, to);
                              });
        return Response::async(op);
    });

    router.add("DELETE", instancePaths("/{name}/snapshots/{snapshot}"), [&ctx, &instances](Request& r) {
        const std::string project = r.project(), instance = r.param("name"), name = r.param("snapshot");
        instances.get(project, instance);
        instances.snapshot(project, instance, name);
        auto op = ctx.ops.run(project, "Deleting snapshot", resources(instance, name),
                              [&instances, project, instance, name](ops::Operation&) {
                                  instances.removeSnapshot(project, instance, name);
                              });
        return Response::async(op);
    });
}

}  // namespace lxdp::api
