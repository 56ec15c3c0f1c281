// /1.0/instances/<name>/backups and the backup import of POST /1.0/instances.
#include <unistd.h>

#include "api/endpoints/Endpoints.h"
#include "daemon/Paths.h"
#include "ops/OperationManager.h"
#include "services/BackupService.h"
#include "util/ApiError.h"
#include "util/Random.h"

namespace lxdp::api {

namespace {

services::BackupService backupService(daemon::Context& ctx) {
    return services::BackupService(ctx.paths, ctx.db, ctx.events, ctx.instances, ctx.storage);
}

std::string backupUrl(const std::string& instance, const std::string& name) {
    return "/1.0/instances/" + instance + "/backups/" + name;
}

// The backup by its bare name, as upstream 5.0: lxc export strips only a "/1.0/backups/" prefix
// from it and fetches .../backups/<what is left>/export.
nlohmann::json resources(const std::string& instance, const std::string& backup) {
    return {{"instances", {"/1.0/instances/" + instance}},
            {"containers", {"/1.0/containers/" + instance}},
            {"backups", {backup}}};
}

}  // namespace

void registerBackupEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", instancePaths("/{name}/backups"), [&ctx](Request& r) {
        auto backups = backupService(ctx);
        const std::string instance = r.param("name");
        nlohmann::json out = nlohmann::json::array();
        for (const auto& b : backups.list(r.project(), instance))
            out.push_back(r.recursion() ? backups.render(b) : nlohmann::json(backupUrl(instance, b.name)));
        return Response::sync(out);
    });

    router.add("POST", instancePaths("/{name}/backups"), [&ctx](Request& r) {
        auto backups = backupService(ctx);
        const std::string project = r.project(), instance = r.param("name");
        auto req = backups.prepare(project, instance, r.json());
        auto op = ctx.ops.run(project, "Backing up instance", resources(instance, req.name),
                              [backups, project, instance, req](ops::Operation& op) mutable {
                                  backups.create(project, instance, req, op);
                              });
        return Response::async(op);
    });

    router.add("GET", instancePaths("/{name}/backups/{backup}"), [&ctx](Request& r) {
        auto backups = backupService(ctx);
        return Response::sync(backups.render(backups.get(r.project(), r.param("name"), r.param("backup"))));
    });

    router.add("POST", instancePaths("/{name}/backups/{backup}"), [&ctx](Request& r) {
        auto backups = backupService(ctx);
        const std::string project = r.project(), instance = r.param("name"), from = r.param("backup");
        backups.get(project, instance, from);
        const std::string to = r.json().value("name", "");
        auto op = ctx.ops.run(project, "Renaming instance backup", resources(instance, from),
                              [backups, project, instance, from, to](ops::Operation&) mutable {
                                  backups.rename(project, instance, from, to);
                              });
        return Response::async(op);
    });

    router.add("DELETE", instancePaths("/{name}/backups/{backup}"), [&ctx](Request& r) {
        auto backups = backupService(ctx);
        const std::string project = r.project(), instance = r.param("name"), name = r.param("backup");
        backups.get(project, instance, name);
        auto op = ctx.ops.run(project, "Deleting instance backup", resources(instance, name),
                              [backups, project, instance, name](ops::Operation&) mutable {
                                  backups.remove(project, instance, name);
                              });
        return Response::async(op);
    });

    router.add("GET", instancePaths("/{name}/backups/{backup}/export"), [&ctx](Request& r) {
        auto backups = backupService(ctx);
        auto b = backups.get(r.project(), r.param("name"), r.param("backup"));
        return Response::file(backups.tarballPath(b), {});
    });
}

Response importInstanceBackup(Request& r, daemon::Context& ctx) {
    services::ImportTarget target{r.project(), r.header("X-LXD-pool"), r.header("X-LXD-name")};
    // Kept with the image uploads, whose leftovers the daemon prunes at start-up.
    const std::string path = ctx.paths.images + "/upload-backup-" + util::randomSecret().substr(0, 16);
    if (receiveBodyToFile(r, path, nullptr, ctx.db) == 0) {
        ::unlink(path.c_str());
        throw BadRequest("The backup upload is empty");
    }
    auto backups = backupService(ctx);
    auto op = ctx.ops.run(r.project(), "Restoring backup", nlohmann::json::object(),
                          [backups, target, path](ops::Operation& op) mutable {
                              struct Discard {
                                  const std::string& path;
                                  ~Discard() { ::unlink(path.c_str()); }
                              } discard{path};
                              backups.import(target, path, op);
                          });
    return Response::async(op);
}

}  // namespace lxdp::api
