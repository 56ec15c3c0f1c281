#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <optional>

#include "api/endpoints/Endpoints.h"
#include "config/ServerConfig.h"
#include "daemon/ServerConfigListeners.h"
#include "db/Database.h"
#include "events/EventHub.h"
#include "plugins/PluginRegistry.h"
#include "plugins/InstanceDriver.h"
#include "plugins/StorageDriver.h"
#include "services/TrustService.h"
#include "tls/HttpsListener.h"
#include "tls/ServerCertificate.h"
#include "util/ApiError.h"
#include "util/Hash.h"

namespace lxdp::api {

namespace {

// Only what this daemon really implements; the client gates features on these names.
const std::vector<std::string> kApiExtensions = {
    "etag",          "directory_manipulation", "file_delete", "file_append",
    "file_symlinks", "storage",                "projects",    "container_backup",
    "container_full", "container_exec_user_group_cwd", "instances", "api_filtering",
    "operation_wait", "network", "network_leases", "network_state", "instance_nic_network",
    "snapshot_expiry", "snapshot_expiry_creation", "container_only_migration", "certificate_token",
    "certificate_project", "certificate_update",
    "storage_api_volume_snapshots", "storage_api_volume_rename", "storage_api_local_volume_handling", "instance_all_projects", "container_copy_project", "project_usage",
    "storage_volume_state", "container_incremental_copy", "instance_pool_move", "container_edit_metadata",
    "container_backup_override_pool", "backup_override_name",
    "storage_api_project", "storage_volume_project_move"};

std::string osReleaseField(const std::string& key) {
    std::ifstream in("/etc/os-release");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key + "=", 0) != 0) continue;
        std::string v = line.substr(key.size() + 1);
        if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
        return v;
    }
    return "";
}

// What GET /1.0 says about the host and the plugins: fixed while the daemon runs (plugins
// are loaded once, before the API serves), so gathered at the first request, not at every one.
struct HostFacts {
    nlohmann::json architectures;
    std::string arch, kernel, kernelVersion, osName, osVersion, drivers, driverVersions;
    nlohmann::json supportedStorage = nlohmann::json::array();
};

HostFacts gatherHostFacts(daemon::Context& ctx) {
    HostFacts f;
    struct utsname u {};
    ::uname(&u);
    f.arch = u.machine;
    f.kernel = u.sysname;
    f.kernelVersion = u.release;
    f.architectures = nlohmann::json::array({f.arch});
    if (f.arch == "x86_64") f.architectures.push_back("i686");
    if (f.arch == "aarch64") f.architectures.push_back("armv7l");
    f.osName = osReleaseField("NAME");
    f.osVersion = osReleaseField("VERSION_ID");
    for (const auto* d : ctx.plugins.instanceDrivers()) {
        if (!d->usable()) continue;
        f.drivers += (f.drivers.empty() ? "" : " | ") + d->name();
        f.driverVersions += (f.driverVersions.empty() ? "" : " | ") + d->version();
    }
    for (const auto* d : ctx.plugins.storageDrivers())
        if (d->usable())
            f.supportedStorage.push_back(
                {{"Name", d->name()}, {"Version", d->version()}, {"Remote", (d->flags() & LXDP_STORAGE_REMOTE) != 0}});
    return f;
}

// Everything of a trusted GET /1.0 that may change while the daemon runs. Gathering it is
// cheap (the config and pools are cached by the database); rendering and serializing the body
// is not, so the last body is kept and reused while its inputs stay equal.
struct ServerViewInputs {
    db::StringMap config;
    bool restricted = false;
    std::string project, storage, storageVersion, hostname;
    std::vector<std::string> addresses;
    bool operator==(const ServerViewInputs&) const = default;
};

ServerViewInputs serverViewInputs(daemon::Context& ctx, const Request& r) {
    ServerViewInputs in;
    in.config = ctx.db.serverConfig();
    in.restricted = r.requestor().restricted;
    in.project = r.project();
    for (const auto& pool : ctx.db.pools()) {
        if (in.storage.find(pool.driver) != std::string::npos) continue;
        const auto* d = ctx.plugins.storageDriver(pool.driver);
        in.storage += (in.storage.empty() ? "" : " | ") + pool.driver;
        in.storageVersion += (in.storageVersion.empty() ? "" : " | ") + (d ? d->version() : std::string());
    }
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    in.hostname = host;
    const auto https = in.config.find("core.https_address");
    in.addresses = tls::reachableAddresses(https == in.config.end() ? "" : https->second);
    return in;
}

nlohmann::json environment(daemon::Context& ctx, const ServerViewInputs& in) {
    static const HostFacts facts = gatherHostFacts(ctx);
    return {{"addresses", in.addresses},
            {"architectures", facts.architectures},
            {"certificate", ctx.serverCertificate.certificate.pem},
            {"certificate_fingerprint", ctx.serverCertificate.certificate.fingerprint},
            {"driver", facts.drivers},
            {"driver_version", facts.driverVersions},
            {"firewall", "nftables"},
            {"kernel", facts.kernel},
            {"kernel_architecture", facts.arch},
            {"kernel_features", nlohmann::json::object()},
            {"kernel_version", facts.kernelVersion},
            {"lxc_features", nlohmann::json::object()},
            {"os_name", facts.osName},
            {"os_version", facts.osVersion},
            {"project", in.project},
            {"server", "lxd"},
            {"server_clustered", false},
            {"server_event_mode", "full-mesh"},
            {"server_name", in.hostname},
            {"server_pid", ::getpid()},
            {"server_version", LXDP_VERSION},
            {"storage", in.storage},
            {"storage_version", in.storageVersion},
            {"storage_supported_drivers", facts.supportedStorage}};
}

nlohmann::json serverConfigView(db::StringMap config) {
    // Write-only: the password is kept as a hash and never shown.
    if (config.count("core.trust_password")) config["core.trust_password"] = "true";
    return config;
}

}  // namespace

void registerServerEndpoints(Router& router, daemon::Context& ctx) {
    router.add("GET", "/", [](Request&) { return Response::sync(nlohmann::json::array({"/1.0"})); }, Access::Public);

    router.add("GET", "/1.0", [&ctx](Request& r) {
        if (!r.requestor().trusted) {
            // What a client needs before it enrols, and nothing about the host.
            return Response::sync({{"api_extensions", kApiExtensions},
                                   {"api_status", "stable"},
                                   {"api_version", "1.0"},
                                   {"auth", "untrusted"},
                                   {"public", false},
                                   {"auth_methods", {"tls"}}});
        }
        static std::mutex lastMutex;
        static std::optional<ServerViewInputs> lastInputs;
        static std::string lastBody, lastEtag;
        auto inputs = serverViewInputs(ctx, r);
        std::lock_guard lock(lastMutex);
        if (inputs != lastInputs) {
            // The server's settings are the administrator's business, not a restricted client's.
            nlohmann::json config = inputs.restricted ? nlohmann::json::object() : serverConfigView(inputs.config);
            nlohmann::json out = {{"config", config},
                                  {"api_extensions", kApiExtensions},
                                  {"api_status", "stable"},
                                  {"api_version", "1.0"},
                                  {"auth", "trusted"},
                                  {"public", false},
                                  {"auth_methods", {"tls"}},
                                  {"environment", environment(ctx, inputs)}};
            lastBody = Response::serialize(out);
            lastEtag = util::sha256Hex(config.dump());
            lastInputs = std::move(inputs);
        }
        return Response::syncSerialized(lastBody, lastEtag);
    }, Access::Public);

    auto update = [&ctx](Request& r, bool patch) {
        auto current = ctx.db.serverConfig();
        checkIfMatch(r, util::sha256Hex(serverConfigView(current).dump()));
        auto given = jsonStringMap(r.json().value("config", nlohmann::json::object()));
        // Only a hash of the trust password is ever stored.
        if (auto it = given.find("core.trust_password"); it != given.end() && !it->second.empty()) {
            auto old = current.find("core.trust_password");
            it->second = services::storedTrustPassword(it->second, old == current.end() ? "" : old->second);
        }
        auto next = patch ? current : std::map<std::string, std::string>{};
        for (const auto& [k, v] : given) {
            if (v.empty()) next.erase(k);
            else next[k] = v;
        }
        config::validateServerConfig(next);
        ctx.configListeners.apply(current, next);
        try {
            ctx.db.setServerConfig(next);
        } catch (...) {
            ctx.configListeners.revert(next, current);
            throw;
        }
        ctx.events.lifecycle("default", "config-updated", "/1.0");
        return Response::sync(nlohmann::json::object());
    };
    router.add("PUT", "/1.0", [update](Request& r) { return update(r, false); });
    router.add("PATCH", "/1.0", [update](Request& r) { return update(r, true); });
}

}  // namespace lxdp::api
