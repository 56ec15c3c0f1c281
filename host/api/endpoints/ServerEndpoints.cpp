#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

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
    "storage_api_volume_snapshots", "storage_api_volume_rename", "storage_api_local_volume_handling", "instance_all_projects", "container_copy_project", "project_usage"};

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

nlohmann::json environment(daemon::Context& ctx, const std::string& project) {
    struct utsname u {};
    ::uname(&u);
    std::string arch = u.machine;
    nlohmann::json architectures = nlohmann::json::array({arch});
    if (arch == "x86_64") architectures.push_back("i686");
    if (arch == "aarch64") architectures.push_back("armv7l");

    std::string drivers, driverVersions;
    for (const auto* d : ctx.plugins.instanceDrivers()) {
        if (!d->usable()) continue;
        drivers += (drivers.empty() ? "" : " | ") + d->name();
        driverVersions += (driverVersions.empty() ? "" : " | ") + d->version();
    }
    nlohmann::json supported = nlohmann::json::array();
    for (const auto* d : ctx.plugins.storageDrivers())
        if (d->usable())
            supported.push_back({{"Name", d->name()}, {"Version", d->version()}, {"Remote", (d->flags() & LXDP_STORAGE_REMOTE) != 0}});
    std::string storage, storageVersion;
    for (const auto& pool : ctx.db.pools()) {
        if (storage.find(pool.driver) != std::string::npos) continue;
        const auto* d = ctx.plugins.storageDriver(pool.driver);
        storage += (storage.empty() ? "" : " | ") + pool.driver;
        storageVersion += (storageVersion.empty() ? "" : " | ") + (d ? d->version() : std::string());
    }
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    const auto config = ctx.db.serverConfig();
    const auto https = config.find("core.https_address");
    return {{"addresses", tls::reachableAddresses(https == config.end() ? "" : https->second)},
            {"architectures", architectures},
            {"certificate", ctx.serverCertificate.certificate.pem},
            {"certificate_fingerprint", ctx.serverCertificate.certificate.fingerprint},
            {"driver", drivers},
            {"driver_version", driverVersions},
            {"firewall", "nftables"},
            {"kernel", u.sysname},
            {"kernel_architecture", arch},
            {"kernel_features", nlohmann::json::object()},
            {"kernel_version", u.release},
            {"lxc_features", nlohmann::json::object()},
            {"os_name", osReleaseField("NAME")},
            {"os_version", osReleaseField("VERSION_ID")},
            {"project", project},
            {"server", "lxd"},
            {"server_clustered", false},
            {"server_event_mode", "full-mesh"},
            {"server_name", host},
            {"server_pid", ::getpid()},
            {"server_version", LXDP_VERSION},
            {"storage", storage},
            {"storage_version", storageVersion},
            {"storage_supported_drivers", supported}};
}

nlohmann::json serverConfigView(daemon::Context& ctx) {
    auto config = ctx.db.serverConfig();
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
        // The server's settings are the administrator's business, not a restricted client's.
        nlohmann::json config = r.requestor().restricted ? nlohmann::json::object() : serverConfigView(ctx);
        nlohmann::json out = {{"config", config},
                              {"api_extensions", kApiExtensions},
                              {"api_status", "stable"},
                              {"api_version", "1.0"},
                              {"auth", "trusted"},
                              {"public", false},
                              {"auth_methods", {"tls"}},
                              {"environment", environment(ctx, r.project())}};
        return Response::sync(out, util::sha256Hex(config.dump()));
    }, Access::Public);

    auto update = [&ctx](Request& r, bool patch) {
        auto current = ctx.db.serverConfig();
        checkIfMatch(r, util::sha256Hex(serverConfigView(ctx).dump()));
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
