#include <unistd.h>

#include <optional>

#include "api/Filter.h"
#include "api/endpoints/Endpoints.h"
#include "db/Database.h"
#include "ops/OperationManager.h"
#include "services/InstanceLogs.h"
#include "services/InstanceService.h"
#include "services/MigrationChannel.h"
#include "services/RemoteImages.h"
#include "services/ProjectService.h"
#include "util/ApiError.h"

namespace lxdp::api {

namespace {

nlohmann::json resources(const std::string& name) {
    return {{"instances", {"/1.0/instances/" + name}}, {"containers", {"/1.0/containers/" + name}}};
}

// Applies a PUT (replace) or PATCH (merge) body to the user-editable fields of rec.
void applyBody(db::InstanceRecord& rec, const nlohmann::json& body, bool patch) {
    auto config = jsonStringMap(body.value("config", nlohmann::json::object()));
    auto devices = jsonDeviceMap(body.value("devices", nlohmann::json::object()));
    putOrPatch(rec.config, config, patch);
    putOrPatch(rec.devices, devices, patch);
    if (!patch || body.contains("profiles")) {
        if (body.contains("profiles") && !body["profiles"].is_null())
            rec.profiles = body["profiles"].get<std::vector<std::string>>();
        else if (!patch)
            rec.profiles = {};
    }
    if (!patch || body.contains("description")) rec.description = body.value("description", "");
    if (!patch || body.contains("ephemeral")) rec.ephemeral = body.value("ephemeral", false);
}

// PUT with "restore": "snap0" (pylxd) or "c1/snap0" (lxc). Checked before the operation, so a
// missing snapshot is a plain 404.
Response restore(daemon::Context& ctx, Request& r, const std::string& instance, std::string snapshot) {
    if (const size_t slash = snapshot.find('/'); slash != std::string::npos) {
        if (snapshot.substr(0, slash) != instance)
            throw BadRequest("Snapshot \"" + snapshot + "\" belongs to another instance");
        snapshot = snapshot.substr(slash + 1);
    }
    const std::string project = r.project();
    ctx.instances.snapshot(project, instance, snapshot);
    auto op = ctx.ops.run(project, "Restoring snapshot", resources(instance),
                          [&instances = ctx.instances, project, instance, snapshot](ops::Operation& op) {
                              instances.restore(project, instance, snapshot, op);
                          });
    return Response::async(op);
}

// POST with "migration" and no pool: this server is the source of a copy or move to another
// one (pull: the target attaches the operation's websockets with their secrets).
Response migrationSource(daemon::Context& ctx, Request& r, const std::string& name, const nlohmann::json& body) {
    if (body.contains("target") && !body["target"].is_null())
        throw BadRequest("Push migration is not supported yet: copy in pull mode (the default)");
    const std::string project = r.project();
    const bool instanceOnly = body.value("instance_only", false) || body.value("container_only", false);
    ctx.instances.checkMigrateOut(project, name, body.value("live", false));
    auto channel = std::make_shared<services::MigrationChannel>();
    auto op = ctx.ops.create(project, "websocket", "Migrating instance", resources(name), channel->secrets());
    if (r.requestor().protocol == "tls") op->setOwner(r.requestor().fingerprint);
    op->setWebSocketHandler([channel](const std::string& secret, Request& wr) { channel->serve(secret, wr); });
    op->start([&instances = ctx.instances, channel, project, name, instanceOnly](ops::Operation&) {
        try {
            instances.migrateOut(project, name, instanceOnly, *channel);
        } catch (...) {
            channel->close();
            throw;
        }
        channel->close();
    });
    return Response::async(op);
}

}  // namespace

void registerInstanceEndpoints(Router& router, daemon::Context& ctx) {
    auto& instances = ctx.instances;

    router.add("GET", instancePaths(""), [&ctx, &instances](Request& r) {
        const auto filter = Filter::parse(r.query("filter"));
        // ?all-projects=true (lxc list --all-projects): every project the caller may use, each
        // instance naming its project (restricted callers are refused it by the router).
        std::vector<std::string> projects;
        if (r.query("all-projects") == "true") {
            for (const auto& p : ctx.db.projects())
                if (r.requestor().mayUse(p.name)) projects.push_back(p.name);
        } else {
            projects.push_back(r.project());
        }
        if (r.recursion() == 1 && filter.empty()) {
            // Kept between requests (InstanceListCache): only each instance's status is asked anew.
            std::string text = "[";
            for (const auto& project : projects) instances.listCache().appendRecursion1(project, text);
            text += ']';
            return Response::syncSerialized(std::move(text));
        }
        nlohmann::json out = nlohmann::json::array();
        for (const auto& project : projects) {
            // As upstream, the instances of any project but default are named with it.
            const std::string suffix = project != "default" ? "?project=" + project : "";
            if (r.recursion() == 0 && filter.empty()) {
                for (const auto& name : ctx.db.instanceNames(project)) out.push_back("/1.0/instances/" + name + suffix);
                continue;
            }
            std::optional<services::InstanceListContext> list;
            for (const auto& rec : ctx.db.instances(project)) {
                if (!list) list = instances.listContext(project, r.recursion() >= 2);
                auto full = instances.render(rec, std::max(r.recursion(), 1), &*list);
                if (!filter.matches(full)) continue;
                if (r.recursion() == 0) out.push_back("/1.0/instances/" + rec.name + suffix);
                else out.push_back(std::move(full));  // not a deep copy of each instance
            }
        }
        return Response::sync(out);
    });

    router.add("POST", instancePaths(""), [&ctx, &instances](Request& r) {
        if (r.header("Content-Type").rfind("application/octet-stream", 0) == 0) return importInstanceBackup(r, ctx);
        const auto& body = r.json();
        // A copy from another project reads that project: the caller must be allowed it too
        // (the router only judged ?project=).
        if (const auto& source = body.value("source", nlohmann::json::object());
            source.is_object() && source.contains("project") && source["project"].is_string() &&
            !r.requestor().mayUse(source["project"].get<std::string>()))
            throw Forbidden("Not allowed to copy from project \"" + source["project"].get<std::string>() + "\"");
        // There is no cluster here; a restricted project refuses ?target= as upstream does.
        if (r.hasQuery("target")) ctx.projects.checkFeature(r.project(), "restricted.cluster.target", "cluster member targeting");
        auto rec = instances.prepareCreate(r.project(), body);
        auto source = body.value("source", nlohmann::json::object());
        services::RemoteImages::parse(source);  // a bad image server is refused before the operation
        auto affected = resources(rec.name);
        // A copy names its source too, as upstream.
        if (source.value("type", "") == "copy") {
            const auto sourceResources = resources(source.value("source", ""));
            for (const auto& [kind, urls] : sourceResources.items()) affected[kind].push_back(urls[0]);
        }
        auto op = ctx.ops.run(r.project(), "Creating instance", affected,
                              [&ctx, &instances, rec, source](ops::Operation& op) {
                                  if (source.value("type", "") == "migration")
                                      instances.createFromMigration(rec, source, ctx.serverCertificate, op);
                                  else
                                      instances.create(rec, localImageSource(ctx, rec.project, source, op), op);
                              });
        return Response::async(op);
    });

    router.add("GET", instancePaths("/{name}"), [&instances](Request& r) {
        auto rec = instances.get(r.project(), r.param("name"));
        return Response::sync(instances.render(rec, 0), instances.etag(rec));
    });

    auto update = [&ctx, &instances](Request& r, bool patch) {
        auto rec = instances.get(r.project(), r.param("name"));
        const auto& body = r.json();
        if (body.contains("restore") && body["restore"].is_string() && !body["restore"].get<std::string>().empty())
            return restore(ctx, r, rec.name, body["restore"].get<std::string>());
        const std::string ifMatch = ifMatchHeader(r);
        applyBody(rec, body, patch);
        instances.update(rec, ifMatch);
        // Already done: the 202 reply carries a finished operation, as the client accepts.
        auto op = ctx.ops.create(r.project(), "task", "Updating instance", resources(rec.name));
        op->start([](ops::Operation&) {});
        op->wait(5);
        return Response::async(op);
    };
    router.add("PUT", instancePaths("/{name}"), [update](Request& r) { return update(r, false); });
    router.add("PATCH", instancePaths("/{name}"), [update](Request& r) { return update(r, true); });

    router.add("POST", instancePaths("/{name}"), [&ctx, &instances](Request& r) {
        std::string from = r.param("name");
        instances.get(r.project(), from);
        const auto& body = r.json();
        // lxc move --target-project copies and deletes (instance_project_move is not offered).
        if (const std::string project = body.value("project", ""); !project.empty() && project != r.project())
            throw BadRequest("Moving an instance to another project is not supported: copy it there instead");
        std::string to = body.value("name", "");
        std::string project = r.project();
        if (body.value("migration", false)) {
            // With a pool, lxc move -s within this server: to another pool, under the same name
            // or a new one; without, the source of a migration to another server.
            const std::string pool = body.value("pool", "");
            if (pool.empty()) return migrationSource(ctx, r, from, body);
            if (to.empty()) to = from;
            if (to != from) instances.checkRename(project, from, to);
            instances.checkPoolMove(project, from, pool);
            const bool instanceOnly = body.value("instance_only", false) || body.value("container_only", false);
            auto op = ctx.ops.run(project, "Moving instance", resources(from),
                                  [&instances, project, from, to, pool, instanceOnly](ops::Operation& op) {
                                      instances.moveToPool(project, from, pool, instanceOnly, op);
                                      if (to != from) instances.rename(project, from, to);
                                  });
            return Response::async(op);
        }
        auto op = ctx.ops.run(project, "Renaming instance", resources(from),
                              [&instances, project, from, to](ops::Operation&) { instances.rename(project, from, to); });
        return Response::async(op);
    });

    router.add("DELETE", instancePaths("/{name}"), [&ctx, &instances](Request& r) {
        auto rec = instances.get(r.project(), r.param("name"));
        if (instances.isRunning(rec)) throw BadRequest("Instance is running");
        std::string project = r.project(), name = rec.name;
        auto op = ctx.ops.run(project, "Deleting instance", resources(name),
                              [&instances, project, name](ops::Operation&) { instances.remove(project, name); });
        return Response::async(op);
    });

    router.add("GET", instancePaths("/{name}/state"), [&instances](Request& r) {
        return Response::sync(instances.renderState(instances.get(r.project(), r.param("name"))));
    });

    router.add("PUT", instancePaths("/{name}/state"), [&ctx, &instances](Request& r) {
        const auto& body = r.json();
        std::string action = body.value("action", "");
        std::string project = r.project(), name = r.param("name");
        instances.checkStateChange(project, name, action);
        bool force = body.value("force", false);
        int timeout = body.value("timeout", -1);
        static const std::map<std::string, std::string> descriptions = {
            {"start", "Starting instance"}, {"stop", "Stopping instance"}, {"restart", "Restarting instance"},
            {"freeze", "Freezing instance"}, {"unfreeze", "Unfreezing instance"}};
        auto op = ctx.ops.run(project, descriptions.at(action), resources(name),
                              [&instances, project, name, action, force, timeout](ops::Operation& op) {
                                  instances.changeState(project, name, action, force, timeout, op);
                              });
        return Response::async(op);
    });

    router.add("GET", instancePaths("/{name}/logs"), [&instances](Request& r) {
        auto rec = instances.get(r.project(), r.param("name"));
        return Response::sync(nlohmann::json::array({"/1.0/instances/" + rec.name + "/logs/lxc.log"}));
    });
    router.add("GET", instancePaths("/{name}/logs/{file}"), [&ctx, &instances](Request& r) {
        auto rec = instances.get(r.project(), r.param("name"));
        // Only known log names: a path from the client never reaches the filesystem (CVE-2025-54293).
        const std::string file = r.param("file");
        if (file != "lxc.log" && file != "console.log") throw NotFound("Log file not found");
        std::string path = services::instanceLogDir(ctx.paths.logs, rec.project, rec.name) + "/" + file;
        if (::access(path.c_str(), R_OK) != 0) throw NotFound("Log file not found");
        return Response::file(path, {});
    });
}

}  // namespace lxdp::api
