// Finds plugins, loads them, checks what they declare and keeps the drivers they provide.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plugins/PluginManifest.h"

namespace lxdp::plugins {

class HostServices;
class StorageDriver;
class InstanceDriver;
class NetworkDriver;

// The directories to load plugins from: $LXD_PLUGIN_PATH (colon separated) when set; else the
// build tree's plugin dir when exePath runs from a build tree (<exe dir>/../plugins exists);
// else the install dir.
std::vector<std::string> pluginSearchPath(const std::string& exePath);

// What happened to one shared object: loaded, or refused and why, with what the plugin said of
// itself as far as it got (its entry ran: name, version, ABI; accepted: drivers).
struct PluginLoadReport {
    std::string path;
    std::string name;  // the plugin's own name when it got that far, else the file name
    bool ok = false;
    std::string reason;  // why it was refused; empty when ok
    std::string version, license, description;
    uint32_t abiMajor = 0, abiMinor = 0, minHostMinor = 0;  // 0.0 until the entry answered
    std::vector<std::string> drivers;                       // "storage:dir", in the plugin's order
};

class PluginRegistry {
public:
    explicit PluginRegistry(HostServices& host);
    PluginRegistry(const PluginRegistry&) = delete;
    PluginRegistry& operator=(const PluginRegistry&) = delete;
    ~PluginRegistry();

    // Loads every *.so of each dir (sorted, not recursive). A refused plugin is logged, reported
    // and skipped; loading carries on. Call before worker threads start.
    // The manifests of each dir (NAME.json) are read first and logged: a library whose manifest
    // says another ABI major is refused without being opened, and a loaded plugin whose drivers
    // differ from its manifest's kinds is logged as a warning.
    void loadAll(const std::vector<std::string>& dirs);
    // Loads one shared object, with the same rules (the tools load a single plugin this way).
    void load(const std::string& path);

    // nullptr when no loaded plugin provides that driver. Usable or not: check usable().
    const StorageDriver* storageDriver(const std::string& name) const;
    std::vector<const StorageDriver*> storageDrivers() const;  // sorted by name
    const InstanceDriver* instanceDriver(const std::string& name) const;
    std::vector<const InstanceDriver*> instanceDrivers() const;  // sorted by name
    const NetworkDriver* networkDriver(const std::string& name) const;
    std::vector<const NetworkDriver*> networkDrivers() const;  // sorted by name
    const std::vector<PluginLoadReport>& reports() const { return reports_; }

private:
    // The valid manifests of dir by the library they name, logging each (and the invalid ones).
    std::map<std::string, PluginManifest> listManifests(const std::string& dir,
                                                        const std::vector<std::string>& libraries) const;
    void refuseUnopened(const std::string& path, const PluginManifest& manifest);
    static void compareWithManifest(const PluginLoadReport& report, const PluginManifest& manifest);

    HostServices& host_;
    std::vector<PluginLoadReport> reports_;
    std::map<std::string, std::unique_ptr<StorageDriver>> storage_;
    std::map<std::string, std::unique_ptr<InstanceDriver>> instance_;
    std::map<std::string, std::unique_ptr<NetworkDriver>> network_;
    std::map<std::string, std::string> providers_;  // "storage:dir" -> path of its plugin
};

}  // namespace lxdp::plugins
