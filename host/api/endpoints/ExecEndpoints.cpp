#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include "api/endpoints/Endpoints.h"
#include "events/EventHub.h"
#include "db/Database.h"
#include "ops/OperationManager.h"
#include "services/ExecSession.h"
#include "services/InstanceService.h"
#include "util/ApiError.h"

namespace lxdp::api {

namespace {

// The environment upstream gives a command: defaults, then environment.* keys, then the request.
std::map<std::string, std::string> execEnvironment(const plugins::StringMap& expandedConfig, uint32_t uid,
                                                   const nlohmann::json& requested) {
    std::map<std::string, std::string> env = {
        {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, {"LANG", "C.UTF-8"}};
    if (uid == 0) {
        env["HOME"] = "/root";
        env["USER"] = "root";
    }
    for (const auto& [k, v] : expandedConfig)
        if (k.rfind("environment.", 0) == 0) env[k.substr(12)] = v;
    for (const auto& [k, v] : jsonStringMap(requested)) env[k] = v;
    for (const auto& [k, v] : env)
        if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos ||
            v.find('\0') != std::string::npos)
            throw BadRequest("Invalid environment variable \"" + k + "\"");
    return env;
}

}  // namespace

void registerExecEndpoints(Router& router, daemon::Context& ctx) {
    router.add("POST", instancePaths("/{name}/exec"), [&ctx](Request& r) {
        auto& instances = ctx.instances;
        auto rec = instances.get(r.project(), r.param("name"));
        const auto& body = r.json();
        auto command = body.value("command", std::vector<std::string>{});
        if (command.empty()) throw BadRequest("No command given");
        // One reference and one state query serve both checks and the command (its expanded config).
        auto ref = instances.ref(rec);
        const auto& driver = instances.driver(rec);
        const auto status = driver.state(ref).status;
        if (status != LXDP_STATE_RUNNING && status != LXDP_STATE_FROZEN) throw BadRequest("Instance is not running");
        if (status == LXDP_STATE_FROZEN) throw BadRequest("Instance is frozen");

        plugins::ExecSpec spec;
        spec.argv = command;
        spec.uid = body.value("user", 0u);
        spec.gid = body.value("group", 0u);
        spec.cwd = body.value("cwd", "");
        auto env = execEnvironment(ref.config, spec.uid, body.value("environment", nlohmann::json::object()));
        if (spec.cwd.empty()) spec.cwd = env.count("HOME") ? env["HOME"] : "/";
        for (const auto& [k, v] : env) spec.env.push_back(k + "=" + v);

        const bool interactive = body.value("interactive", false);
        const bool waitForWebsocket = body.value("wait-for-websocket", false);
        auto session = std::make_shared<services::ExecSession>(interactive, body.value("width", 0), body.value("height", 0));
        nlohmann::json metadata = {{"command", command}, {"environment", env}, {"interactive", interactive}};
        if (waitForWebsocket) metadata["fds"] = session->secrets();

        nlohmann::json res = {{"instances", {"/1.0/instances/" + rec.name}},
                              {"containers", {"/1.0/containers/" + rec.name}}};
        auto op = ctx.ops.create(r.project(), waitForWebsocket ? "websocket" : "task", "Executing command", res, metadata);
        if (r.requestor().protocol == "tls") op->setOwner(r.requestor().fingerprint);
        if (waitForWebsocket)
            op->setWebSocketHandler([session](const std::string& secret, Request& wr) { session->serve(secret, wr); });
        op->start([op, session, ref, spec, &driver, waitForWebsocket, &ctx, project = rec.project,
                   name = rec.name](ops::Operation& self) {
            int code;
            if (waitForWebsocket) {
                code = session->run(driver, ref, spec);
            } else {
                // Detached: the command gets no input and its output goes nowhere.
                plugins::ExecSpec detached = spec;
                int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
                detached.stdinFd = detached.stdoutFd = detached.stderrFd = devnull;
                std::unique_ptr<plugins::ExecProcess> process;
                try {
                    process = driver.exec(ref, detached);
                } catch (...) {
                    ::close(devnull);
                    throw;
                }
                ::close(devnull);
                code = process->wait();
            }
            self.updateMetadata({{"return", code}});
            ctx.events.lifecycle(project, "instance-exec", "/1.0/instances/" + name);
            if (code == 127) throw std::runtime_error("Command not found");
            if (code == 126) throw std::runtime_error("Command not executable");
        });
        return Response::async(op);
    });
}

}  // namespace lxdp::api
