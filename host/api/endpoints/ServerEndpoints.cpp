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
#include "plugins/DaemonFirewall.h"
#include "plugins/PluginRegistry.h"
#include "plugins/InstanceDriver.h"
#include "plugins/StorageDriver.h"
#include "services/TrustService.h"
#include "tls/HttpsListener.h"
#include "tls/ServerCertificate.h"
#include "util/ApiError.h"
#include "util/Hash.h"
#include "util/HostArchitecture.h"
#include "util/KernelFeatures.h"

namespace lxdp::api {

namespace {

// Only what this daemon really implements, in upstream's order (the spec's api-extensions
// list, then the later 5.0.2 names); the client and pylxd gate features on these names.
// clustering: a standalone server's answers (ClusterEndpoints.cpp), as upstream's when not clustered.
// operation_wait (GET /1.0/operations/<id>/wait, upstream since 5.x) ends the list.
const std::vector<std::string> kApiExtensions = {
    "container_host_shutdown_timeout", "container_stop_priority", "container_syscall_filtering", "auth_pki", "container_last_used_at", "etag",
    "patch", "usb_devices", "https_allowed_credentials", "image_compression_algorithm",
    "directory_manipulation", "container_cpu_time", "network", "profile_usedby", "certificate_update",
    "container_exec_signal_handling", "gpu_devices", "container_image_properties", "id_map", "network_firewall_filtering",
    "network_routes", "storage", "file_delete", "file_append", "network_dhcp_expiry", "network_vlan",
    "image_create_aliases", "container_only_migration", "unix_device_rename", "storage_rsync_bwlimit",
    "storage_btrfs_mount_options", "entity_description", "id_map_base", "file_symlinks",
    "storage_images_delete", "container_edit_metadata", "resources", "resource_limits", "kernel_limits",
    "storage_api_volume_rename", "console", "restrict_devlxd", "devlxd_events", "proxy", "network_dhcp_gateway",
    "file_get_symlink", "network_leases", "unix_device_hotplug", "storage_api_local_volume_handling",
    "operation_description", "clustering", "event_lifecycle", "container_backup", "devlxd_images",
    "container_local_cross_pool_handling", "proxy_unix", "proxy_udp", "proxy_tcp_udp_multi_port_handling",
    "network_state", "proxy_unix_dac_properties", "container_protection_delete", "unix_priv_drop",
    "proxy_haproxy_protocol", "network_hwaddr", "proxy_nat", "network_nat_order", "container_full",
    "backup_compression", "storage_api_volume_snapshots", "projects", "container_incremental_copy",
    "usb_optional_vendorid", "snapshot_scheduling", "snapshot_schedule_aliases", "container_copy_project",
    "snapshot_expiry", "container_backup_override_pool", "snapshot_expiry_creation", "network_leases_location",
    "resources_cpu_socket", "resources_gpu", "resources_numa", "id_map_current", "event_location",
    "network_nat_address", "container_nic_routes", "container_nic_ipvlan", "container_nic_ipfilter",
    "resources_v2", "container_exec_user_group_cwd", "container_syscall_intercept", "storage_shifted", "daemon_storage", "instances",
    "image_types", "resources_disk_sata", "images_expiry", "resources_network_firmware",
    "backup_compression_algorithm", "container_syscall_intercept_mount", "container_nic_routed",
    "container_syscall_intercept_mount_fuse", "image_profiles", "resources_disk_id", "api_filtering",
    "instance_nic_network", "firewall_driver", "container_nic_routed_gateway", "projects_restrictions",
    "custom_volume_snapshot_expiry", "volume_snapshot_scheduling", "trust_ca_certificates",
    "snapshot_disk_usage", "container_nic_routed_host_address", "container_nic_ipvlan_gateway",
    "resources_usb_pci", "resources_cpu_threads_numa", "resources_cpu_core_die", "api_os", "resources_system",
    "resources_cpu_isolated", "usedby_consistency", "projects_limits_disk", "backup_override_name",
    "storage_rsync_compression", "resources_pci_iommu", "resources_network_usb", "resources_disk_address",
    "instance_pool_move", "storage_volume_state", "certificate_project", "project_usage",
    "server_trusted_proxy", "storage_api_project", "server_instance_driver_operational",
    "server_supported_storage_drivers", "linux_sysctl", "storage_volume_project_move", "instance_all_projects",
    "event_project", "certificate_token", "operation_wait"
};

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
    nlohmann::json kernelFeatures, lxcFeatures = nlohmann::json::object();
};

HostFacts gatherHostFacts(daemon::Context& ctx) {
    HostFacts f;
    struct utsname u {};
    ::uname(&u);
    f.arch = u.machine;
    f.kernel = u.sysname;
    f.kernelVersion = u.release;
    f.architectures = util::hostArchitectures();
    f.osName = osReleaseField("NAME");
    f.osVersion = osReleaseField("VERSION_ID");
    for (const auto* d : ctx.plugins.instanceDrivers()) {
        if (!d->usable()) continue;
        f.drivers += (f.drivers.empty() ? "" : " | ") + d->name();
        f.driverVersions += (f.driverVersions.empty() ? "" : " | ") + d->version();
        // What the container driver's liblxc has (ABI 1.6); a driver that says nothing adds none.
        if (d->type() == LXDP_INSTANCE_CONTAINER)
            for (const auto& [name, on] : d->features()) f.lxcFeatures[name] = on;
    }
    f.kernelFeatures = util::probeKernelFeatures();
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
            {"firewall", plugins::firewallName()},
            {"kernel", facts.kernel},
            {"kernel_architecture", facts.arch},
            {"kernel_features", facts.kernelFeatures},
            {"kernel_version", facts.kernelVersion},
            {"lxc_features", facts.lxcFeatures},
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
