#include <unistd.h>

#include "api/endpoints/Endpoints.h"
#include "ops/OperationManager.h"
#include "services/ConsoleAttachments.h"
#include "services/ConsoleSession.h"
#include "services/InstanceLogs.h"
#include "services/InstanceService.h"
#include "util/ApiError.h"

namespace lxdp::api {

namespace {
std::string consoleLogPath(daemon::Context& ctx, const db::InstanceRecord& rec) {
    return services::instanceLogDir(ctx.paths.logs, rec.project, rec.name) + "/console.log";
}
}  // namespace

void registerConsoleEndpoints(Router& router, daemon::Context& ctx) {
    auto attachments = std::make_shared<services::ConsoleAttachments>();
    // `lxc console`: a websocket operation mirroring the container's /dev/console.
    router.add("POST", instancePaths("/{name}/console"), [&ctx, attachments](Request& r) {
        auto& instances = ctx.instances;
        const auto rec = instances.get(r.project(), r.param("name"));
        const auto& body = r.json();
        const std::string type = body.value("type", "console");
        if (type == "vga") throw BadRequest("VGA console is only supported by virtual machines");
        if (type != "console") throw BadRequest("Unknown console type \"" + type + "\"");
        const auto ref = instances.ref(rec);
        const auto& driver = instances.driver(rec);
        const auto status = driver.state(ref).status;
        if (status != LXDP_STATE_RUNNING && status != LXDP_STATE_FROZEN) throw BadRequest("Instance is not running");
        if (status == LXDP_STATE_FROZEN) throw BadRequest("Instance is frozen");

        auto session = std::make_shared<services::ConsoleSession>(body.value("width", 0), body.value("height", 0));
        // upstream's forkconsole fails with liblxc's busy console, in these words.
        if (!attachments->claim(rec.project, rec.name))
            throw Conflict("Failed running forkconsole: \"attaching to the container failed\" (the console is busy: "
                           "another client is attached)");
        int fd = -1;
        std::shared_ptr<ops::Operation> op;
        try {
            // Attached before the operation exists: a console that cannot be had is the request's error.
            fd = driver.console(ref);
            nlohmann::json res = {{"instances", {"/1.0/instances/" + rec.name}},
                                  {"containers", {"/1.0/containers/" + rec.name}}};
            op = ctx.ops.create(r.project(), "websocket", "Showing console", res, {{"fds", session->secrets()}});
        } catch (...) {
            if (fd >= 0) ::close(fd);
            attachments->release(rec.project, rec.name);
            throw;
        }
        if (r.requestor().protocol == "tls") op->setOwner(r.requestor().fingerprint);
        op->setWebSocketHandler([session](const std::string& secret, Request& wr) { session->serve(secret, wr); });
        op->start([session, fd, attachments, project = rec.project, name = rec.name](ops::Operation&) {
            try {
                session->run(fd);
            } catch (...) {
                attachments->release(project, name);
                throw;
            }
            attachments->release(project, name);
        });
        return Response::async(op);
    });

    // `lxc console --show-log`: what the container wrote to its console (liblxc's
    // lxc.console.logfile, written as the output comes), whether it runs or not.
    router.add("GET", instancePaths("/{name}/console"), [&ctx](Request& r) {
        const auto rec = ctx.instances.get(r.project(), r.param("name"));
        try {
            return Response::file(consoleLogPath(ctx, rec), {});
        } catch (const ApiError& e) {
            // Never started: nothing was written yet.
            if (e.status() != 404) throw;
            return Response::raw("", {});
        }
    });
    router.add("DELETE", instancePaths("/{name}/console"), [&ctx](Request& r) {
        const auto rec = ctx.instances.get(r.project(), r.param("name"));
        services::clearConsoleLog(consoleLogPath(ctx, rec));
        return Response::sync(nullptr);
    });
}

}  // namespace lxdp::api
