// lxd-plugin-inspect [--json] PLUGIN.so: what a plugin is, without starting the daemon.
//
// Loads the plugin with the daemon's own loader (PluginScratch, shared with lxd-plugin-check) and
// prints its name, version, the ABI it was built with and the oldest host minor it needs, each
// driver with its kind, version, capability flags by name and its probe result (usable here, or
// the driver's own message why not), and the manifest beside it when there is one. A plugin the
// loader refuses is reported with the loader's reason. Exit status: 0 loaded, 1 refused, 2 usage.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Logger.h>
#include <nlohmann/json.hpp>

#include <lxdp/instance.h>
#include <lxdp/storage.h>

#include "PluginScratch.h"
#include "plugins/InstanceDriver.h"
#include "plugins/NetworkDriver.h"
#include "plugins/PluginManifest.h"
#include "plugins/StorageDriver.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The storage capability flags by name; bits this tool does not know show as hex.
std::vector<std::string> storageFlagNames(uint32_t flags) {
    static const std::pair<uint32_t, const char*> known[] = {
        {LXDP_STORAGE_REMOTE, "REMOTE"},
        {LXDP_STORAGE_OPTIMIZED_IMAGES, "OPTIMIZED_IMAGES"},
        {LXDP_STORAGE_FAST_SNAPSHOTS, "FAST_SNAPSHOTS"},
        {LXDP_STORAGE_BLOCK_BACKED, "BLOCK_BACKED"},
        {LXDP_STORAGE_QUOTAS, "QUOTAS"},
    };
    std::vector<std::string> names;
    for (const auto& [bit, name] : known)
        if (flags & bit) names.push_back(name), flags &= ~bit;
    for (uint32_t bit = 1; flags != 0; bit <<= 1)
        if (flags & bit) {
            char hex[16];
            std::snprintf(hex, sizeof hex, "0x%x", bit);
            names.push_back(hex);
            flags &= ~bit;
        }
    return names;
}

// One driver of the loaded plugin, as JSON (the text output is printed from the same object).
json describeDriver(const lxdp::plugins::PluginRegistry& registry, const std::string& kindAndName) {
    const auto colon = kindAndName.find(':');
    const std::string kind = kindAndName.substr(0, colon), name = kindAndName.substr(colon + 1);
    json d = {{"kind", kind}, {"name", name}};
    auto probe = [&](const auto* driver) {
        d["version"] = driver->version();
        d["usable"] = driver->usable();
        d["probe_error"] = driver->probeError();
    };
    if (kind == "storage") {
        const auto* driver = registry.storageDriver(name);
        probe(driver);
        d["flags"] = storageFlagNames(driver->flags());
    } else if (kind == "instance") {
        const auto* driver = registry.instanceDriver(name);
        probe(driver);
        d["type"] = driver->type() == LXDP_INSTANCE_VM ? "virtual-machine" : "container";
    } else {
        probe(registry.networkDriver(name));
    }
    return d;
}

// The manifest that names this library, if its folder has one, and whether it agrees.
json describeManifest(const std::string& path, const lxdp::plugins::PluginLoadReport& report) {
    for (const auto& m : lxdp::plugins::readManifests(fs::path(path).parent_path().string())) {
        if (!m.error.empty() || fs::path(m.libraryPath).filename() != fs::path(path).filename()) continue;
        json j = {{"path", m.path}, {"name", m.name}, {"kinds", m.kinds}, {"abi", m.abi}};
        if (report.ok) {
            std::vector<std::string> provided = report.drivers;
            std::vector<std::string> listed = m.kinds;
            std::sort(provided.begin(), provided.end());
            std::sort(listed.begin(), listed.end());
            j["agrees"] = provided == listed && m.abiMajor == report.abiMajor;
        }
        return j;
    }
    return nullptr;
}

json inspect(const std::string& path) {
    lxdp::tools::PluginScratch scratch("lxd-plugin-inspect");
    const auto& report = scratch.load(path);
    json out = {{"path", report.path}, {"loaded", report.ok}, {"error", report.reason}, {"name", report.name}};
    if (report.abiMajor != 0) {
        out["version"] = report.version;
        out["license"] = report.license;
        out["description"] = report.description;
        out["abi"] = {{"major", report.abiMajor}, {"minor", report.abiMinor}, {"min_host_minor", report.minHostMinor}};
    }
    out["host_abi"] = std::to_string(LXDP_ABI_MAJOR) + "." + std::to_string(LXDP_ABI_MINOR);
    json drivers = json::array();
    for (const auto& d : report.drivers) drivers.push_back(describeDriver(scratch.registry(), d));
    out["drivers"] = drivers;
    out["manifest"] = describeManifest(report.path, report);
    return out;
}

void printText(const json& p) {
    std::cout << "plugin       " << p["name"].get<std::string>();
    if (p.contains("version")) std::cout << " " << p["version"].get<std::string>();
    std::cout << "\nfile         " << p["path"].get<std::string>() << "\n";
    if (p.contains("abi")) {
        const auto& abi = p["abi"];
        std::cout << "description  " << p["description"].get<std::string>() << "\n"
                  << "license      " << p["license"].get<std::string>() << "\n"
                  << "ABI          built with " << abi["major"] << "." << abi["minor"] << ", needs a host of "
                  << abi["major"] << "." << abi["min_host_minor"] << " or newer (this host is "
                  << p["host_abi"].get<std::string>() << ")\n";
    }
    if (!p["loaded"].get<bool>()) std::cout << "refused      " << p["error"].get<std::string>() << "\n";
    for (const auto& d : p["drivers"]) {
        std::cout << d["kind"].get<std::string>() << " driver '" << d["name"].get<std::string>() << "'\n"
                  << "  version    " << d["version"].get<std::string>() << "\n";
        if (d.contains("flags")) {
            std::cout << "  flags     ";
            for (const auto& f : d["flags"]) std::cout << " " << f.get<std::string>();
            std::cout << (d["flags"].empty() ? " (none)\n" : "\n");
        }
        if (d.contains("type")) std::cout << "  type       " << d["type"].get<std::string>() << "\n";
        std::cout << "  probe      "
                  << (d["usable"].get<bool>() ? std::string("usable") : "not usable: " + d["probe_error"].get<std::string>())
                  << "\n";
    }
    const auto& m = p["manifest"];
    if (m.is_null()) {
        std::cout << "manifest     none beside the library\n";
    } else {
        std::cout << "manifest     " << m["path"].get<std::string>() << " (ABI " << m["abi"].get<std::string>() << ";";
        for (const auto& k : m["kinds"]) std::cout << " " << k.get<std::string>();
        if (m.contains("agrees")) std::cout << (m["agrees"].get<bool>() ? "; agrees with the plugin)" : "; DISAGREES with the plugin)");
        else std::cout << ")";
        std::cout << "\n";
    }
}

}  // namespace

int main(int argc, char** argv) {
    bool asJson = false;
    std::optional<std::string> plugin;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--json") asJson = true;
        else if (!plugin && !arg.empty() && arg[0] != '-') plugin = arg;
        else {
            plugin.reset();  // an unknown option or a second plugin: print the usage
            break;
        }
    }
    if (!plugin) {
        std::cerr << "usage: lxd-plugin-inspect [--json] PLUGIN.so\n"
                     "Prints what an lxdpp plugin provides and whether its drivers can work on this machine.\n";
        return 2;
    }
    // Everything the loader and the plugin log is in the report: keep the output to that.
    Poco::Logger::root().setLevel(Poco::Message::PRIO_FATAL);
    json result;
    try {
        result = inspect(*plugin);
    } catch (const std::exception& e) {
        std::cerr << "lxd-plugin-inspect: " << e.what() << std::endl;
        return 2;
    }
    if (asJson) std::cout << result.dump(2) << std::endl;
    else printText(result);
    return result["loaded"].get<bool>() ? 0 : 1;
}
