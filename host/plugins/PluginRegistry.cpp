#include "plugins/PluginRegistry.h"

#include <dlfcn.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>

#include <boost/dll/shared_library.hpp>
#include <Poco/Logger.h>

#include <lxdp/instance.h>
#include <lxdp/network.h>
#include <lxdp/storage.h>

#include "exe_seal.h"
#include "plugins/AbiCall.h"
#include "plugins/HostServices.h"
#include "plugins/InstanceDriver.h"
#include "plugins/NetworkDriver.h"
#include "plugins/StorageDriver.h"

namespace lxdp::plugins {
namespace {

namespace fs = std::filesystem;

// Why one shared object is not used; caught in load(), which reports and logs it.
class Refusal : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

Poco::Logger& logger() { return Poco::Logger::get("plugins"); }

// A library whose entry ran is never unloaded: adapters, open pools and exec handles point into
// it, and the plugin may keep the host table or own threads (Boost.DLL's FAQ: keep a library
// loaded as long as anything from it lives). Leaked on purpose, so that no dlclose happens during
// static destruction while another thread may still be inside a plugin.
void keepForever(boost::dll::shared_library&& lib) {
    static std::mutex mutex;
    static auto* kept = new std::vector<boost::dll::shared_library>();
    std::lock_guard lock(mutex);
    kept->push_back(std::move(lib));
}

// The plugin and the libraries it brought join the daemon's files on read-only mounts (exe_seal.h:
// attach children, forks of the daemon, are inside containers until they exec), before its entry
// or any other thread runs their code.
void sealNewMappings(const std::string& path) {
    if (lxdp_seal_new_mappings() != 0)
        logger().error("plugin %s: its files are reachable from privileged containers, not sealed: %s (%s)", path,
                       std::string(std::strerror(errno)), std::string(lxdp_seal_failed_file()));
}

boost::dll::shared_library open(const std::string& path) {
    // rtld_now: an unresolved symbol fails here, at start-up, not in the middle of an operation.
    // rtld_local: plugins' symbols stay out of the global namespace, so two plugins (or a plugin
    // and the daemon) bundling the same library cannot shadow each other's symbols.
    const auto mode = boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local;
    boost::dll::fs::error_code ec;
    boost::dll::shared_library lib(path, mode, ec);
    if (!ec) {
        sealNewMappings(path);
        return lib;
    }
    // Boost.DLL 1.74 clears dlerror() and reports a generic code: ask dlopen again for the reason.
    std::string reason = ec.message();
    if (void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) ::dlclose(handle);
    else if (const char* text = ::dlerror()) reason = text;
    throw Refusal("cannot load: " + reason);
}

const char* kindName(uint32_t kind) {
    switch (kind) {
    case LXDP_COMPONENT_STORAGE: return "storage";
    case LXDP_COMPONENT_NETWORK: return "network";
    default: return "instance";
    }
}

// The members of a component's ops table the host needs at least: its discovery functions.
bool opsLargeEnough(const lxdp_component& c) {
    if (c.kind == LXDP_COMPONENT_STORAGE)
        return LXDP_HAS_FIELD(static_cast<const lxdp_storage_ops*>(c.ops), lxdp_storage_ops, probe);
    if (c.kind == LXDP_COMPONENT_NETWORK)
        return LXDP_HAS_FIELD(static_cast<const lxdp_network_ops*>(c.ops), lxdp_network_ops, probe);
    return LXDP_HAS_FIELD(static_cast<const lxdp_instance_ops*>(c.ops), lxdp_instance_ops, probe);
}

// What the plugin says of itself, into its report.
void describe(PluginLoadReport& report, const lxdp_plugin_info& info) {
    auto text = [](const char* s) { return std::string(s != nullptr ? s : ""); };
    if (info.name != nullptr && *info.name != '\0') report.name = info.name;
    report.version = text(info.version);
    report.license = text(info.license);
    report.description = text(info.description);
    report.abiMajor = info.abi_major;
    report.abiMinor = info.abi_minor;
    report.minHostMinor = info.min_host_minor;
}

// The info the entry returned, recorded in the report and checked against what this host speaks.
void checkInfo(PluginLoadReport& report, const lxdp_plugin_info* info) {
    if (info == nullptr) throw Refusal("the entry returned no plugin info");
    if (!LXDP_HAS_FIELD(info, lxdp_plugin_info, components))
        throw Refusal("plugin info is too small (" + std::to_string(info->struct_size) + " bytes)");
    describe(report, *info);
    if (info->abi_major != LXDP_ABI_MAJOR)
        throw Refusal("built for ABI major " + std::to_string(info->abi_major) + ", this host speaks " +
                      std::to_string(LXDP_ABI_MAJOR));
    if (info->min_host_minor > LXDP_ABI_MINOR)
        throw Refusal("needs host ABI " + std::to_string(LXDP_ABI_MAJOR) + "." + std::to_string(info->min_host_minor) +
                      ", this host is " + std::to_string(LXDP_ABI_MAJOR) + "." + std::to_string(LXDP_ABI_MINOR));
}

// Builds the adapter (which probes the driver) and says whether the driver can be used here.
template <class Driver, class Ops>
void addDriver(std::map<std::string, std::unique_ptr<Driver>>& drivers, const lxdp_component& c,
               const lxdp_host_api* api) {
    const auto& d = drivers[c.name] = std::make_unique<Driver>(c.name, *static_cast<const Ops*>(c.ops), api);
    if (d->usable()) logger().information("%s driver '%s' is ready", std::string(kindName(c.kind)), d->name());
    else logger().warning("%s driver '%s' is not usable: %s", std::string(kindName(c.kind)), d->name(), d->probeError());
}

}  // namespace

PluginRegistry::PluginRegistry(HostServices& host) : host_(host) {}
PluginRegistry::~PluginRegistry() = default;

void PluginRegistry::loadAll(const std::vector<std::string>& dirs) {
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            logger().debug("plugin dir %s does not exist", dir);
            continue;
        }
        std::vector<std::string> paths;
        for (const auto& entry : fs::directory_iterator(dir, ec))
            if (entry.path().extension() == ".so" && entry.is_regular_file(ec)) paths.push_back(entry.path().string());
        std::sort(paths.begin(), paths.end());
        const auto manifests = listManifests(dir, paths);
        for (const auto& path : paths) {
            auto m = manifests.find(path);
            if (m == manifests.end()) {
                load(path);
                continue;
            }
            if (m->second.abiMajor != LXDP_ABI_MAJOR) {
                refuseUnopened(path, m->second);
                continue;
            }
            load(path);
            if (reports_.back().ok) compareWithManifest(reports_.back(), m->second);
        }
    }
}

std::map<std::string, PluginManifest> PluginRegistry::listManifests(const std::string& dir,
                                                                    const std::vector<std::string>& libraries) const {
    std::map<std::string, PluginManifest> byLibrary;
    for (const auto& m : readManifests(dir)) {
        if (!m.error.empty()) {
            logger().warning("plugin manifest %s is ignored: %s", m.path, m.error);
            continue;
        }
        std::string kinds;
        for (const auto& k : m.kinds) kinds += (kinds.empty() ? "" : ", ") + k;
        logger().information("plugin manifest %s: %s (%s), ABI %s", m.path, m.name, kinds.empty() ? "no drivers" : kinds,
                             m.abi);
        if (std::find(libraries.begin(), libraries.end(), m.libraryPath) == libraries.end())
            logger().warning("plugin manifest %s names %s, which is not a library in %s", m.path, m.libraryPath, dir);
        else
            byLibrary.emplace(m.libraryPath, m);
    }
    return byLibrary;
}

void PluginRegistry::refuseUnopened(const std::string& path, const PluginManifest& manifest) {
    PluginLoadReport report;
    report.path = path;
    report.name = manifest.name;
    report.reason = "not loaded: its manifest " + fs::path(manifest.path).filename().string() + " says ABI " +
                    manifest.abi + ", this host speaks ABI " + std::to_string(LXDP_ABI_MAJOR);
    logger().error("plugin %s: %s", path, report.reason);
    reports_.push_back(std::move(report));
}

void PluginRegistry::compareWithManifest(const PluginLoadReport& report, const PluginManifest& manifest) {
    auto provided = report.drivers, listed = manifest.kinds;
    std::sort(provided.begin(), provided.end());
    std::sort(listed.begin(), listed.end());
    if (provided == listed) return;
    std::string p, l;
    for (const auto& k : provided) p += (p.empty() ? "" : ", ") + k;
    for (const auto& k : listed) l += (l.empty() ? "" : ", ") + k;
    logger().warning("plugin %s provides %s but its manifest %s lists %s", report.path, p.empty() ? "nothing" : p,
                     manifest.path, l.empty() ? "nothing" : l);
}

void PluginRegistry::load(const std::string& path) {
    PluginLoadReport report;
    report.path = path;
    report.name = fs::path(path).stem().string();
    try {
        auto lib = open(path);
        if (!lib.has(LXDP_PLUGIN_ENTRY_SYMBOL))
            throw Refusal(std::string("no entry symbol ") + LXDP_PLUGIN_ENTRY_SYMBOL + ", not a plugin for ABI " +
                          std::to_string(LXDP_ABI_MAJOR));
        auto& entry = lib.get<std::remove_pointer_t<lxdp_plugin_entry_fn>>(LXDP_PLUGIN_ENTRY_SYMBOL);
        const lxdp_host_api* api = host_.apiFor(report.name);

        const lxdp_plugin_info* info = nullptr;
        AbiCall call(report.name, "entry");
        lxdp_status rc = entry(api, &info, call.err());
        keepForever(std::move(lib));
        try {
            call.check(rc);
        } catch (const PluginError& e) {
            throw Refusal(std::string("refused to load: ") + e.what());
        }
        checkInfo(report, info);

        // All components are checked before any is registered: a plugin loads whole or not at all.
        std::vector<const lxdp_component*> accepted;
        std::set<std::string> mine;
        for (uint32_t i = 0; i < info->n_components; ++i) {
            const lxdp_component& c = info->components[i];
            if (!LXDP_HAS_FIELD(&c, lxdp_component, ops) || c.name == nullptr || *c.name == '\0')
                throw Refusal("component " + std::to_string(i) + " is malformed (too small or unnamed)");
            if (c.kind != LXDP_COMPONENT_STORAGE && c.kind != LXDP_COMPONENT_INSTANCE &&
                c.kind != LXDP_COMPONENT_NETWORK) {
                logger().debug("plugin %s: skipping component '%s' of unknown kind %u", path, std::string(c.name),
                               c.kind);
                continue;
            }
            const std::string key = std::string(kindName(c.kind)) + ":" + c.name;
            auto earlier = providers_.find(key);
            if (earlier != providers_.end() || mine.count(key))
                throw Refusal("duplicate " + std::string(kindName(c.kind)) + " driver '" + c.name +
                              "' (already provided by " + (earlier != providers_.end() ? earlier->second : path) + ")");
            if (c.ops == nullptr || !opsLargeEnough(c))
                throw Refusal(std::string(kindName(c.kind)) + " driver '" + c.name + "' has no usable ops table");
            mine.insert(key);
            accepted.push_back(&c);
        }

        for (const auto* c : accepted) {
            report.drivers.push_back(std::string(kindName(c->kind)) + ":" + c->name);
            providers_[report.drivers.back()] = path;
            if (c->kind == LXDP_COMPONENT_STORAGE) addDriver<StorageDriver, lxdp_storage_ops>(storage_, *c, api);
            else if (c->kind == LXDP_COMPONENT_NETWORK) addDriver<NetworkDriver, lxdp_network_ops>(network_, *c, api);
            else addDriver<InstanceDriver, lxdp_instance_ops>(instance_, *c, api);
        }
        report.ok = true;
        logger().information("plugin %s: loaded %s %s", path, report.name, report.version);
    } catch (const Refusal& refusal) {
        report.reason = refusal.what();
        logger().warning("plugin %s: %s", path, report.reason);
    }
    reports_.push_back(std::move(report));
}

const StorageDriver* PluginRegistry::storageDriver(const std::string& name) const {
    auto it = storage_.find(name);
    return it == storage_.end() ? nullptr : it->second.get();
}

std::vector<const StorageDriver*> PluginRegistry::storageDrivers() const {
    std::vector<const StorageDriver*> out;
    for (const auto& [name, driver] : storage_) out.push_back(driver.get());
    return out;
}

const InstanceDriver* PluginRegistry::instanceDriver(const std::string& name) const {
    auto it = instance_.find(name);
    return it == instance_.end() ? nullptr : it->second.get();
}

std::vector<const InstanceDriver*> PluginRegistry::instanceDrivers() const {
    std::vector<const InstanceDriver*> out;
    for (const auto& [name, driver] : instance_) out.push_back(driver.get());
    return out;
}

const NetworkDriver* PluginRegistry::networkDriver(const std::string& name) const {
    auto it = network_.find(name);
    return it == network_.end() ? nullptr : it->second.get();
}

std::vector<const NetworkDriver*> PluginRegistry::networkDrivers() const {
    std::vector<const NetworkDriver*> out;
    for (const auto& [name, driver] : network_) out.push_back(driver.get());
    return out;
}

}  // namespace lxdp::plugins
