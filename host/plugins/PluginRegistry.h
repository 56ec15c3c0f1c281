// Finds plugins, loads them, checks what they declare and keeps the drivers they provide.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lxdp::plugins {

class HostServices;
class StorageDriver;
class InstanceDriver;
class NetworkDriver;

// The directories to load plugins from: $LXD_PLUGIN_PATH (colon separated) when set; else the
// build tree's plugin dir when exePath runs from a build tree (<exe dir>/../plugins exists);
// else the install dir.
std::vector<std::string> pluginSearchPath(const std::string& exePath);

// What happened to one shared object: loaded, or refused and why.
struct PluginLoadReport {
    std::string path;
    std::string name;  // the plugin's own name when it got that far, else the file name
    bool ok = false;
    std::string reason;  // why it was refused; empty when ok
};

class PluginRegistry {
public:
    explicit PluginRegistry(HostServices& host);
    PluginRegistry(const PluginRegistry&) = delete;
    PluginRegistry& operator=(const PluginRegistry&) = delete;
    ~PluginRegistry();

    // Loads every *.so of each dir (sorted, not recursive). A refused plugin is logged, reported
    // and skipped; loading carries on. Call before worker threads start.
    void loadAll(const std::vector<std::string>& dirs);

    // nullptr when no loaded plugin provides that driver. Usable or not: check usable().
    const StorageDriver* storageDriver(const std::string& name) const;
    std::vector<const StorageDriver*> storageDrivers() const;  // sorted by name
    const InstanceDriver* instanceDriver(const std::string& name) const;
    std::vector<const InstanceDriver*> instanceDrivers() const;  // sorted by name
    const NetworkDriver* networkDriver(const std::string& name) const;
    std::vector<const NetworkDriver*> networkDrivers() const;  // sorted by name
    const std::vector<PluginLoadReport>& reports() const { return reports_; }

private:
    void load(const std::string& path);

    HostServices& host_;
    std::vector<PluginLoadReport> reports_;
    std::map<std::string, std::unique_ptr<StorageDriver>> storage_;
    std::map<std::string, std::unique_ptr<InstanceDriver>> instance_;
    std::map<std::string, std::unique_ptr<NetworkDriver>> network_;
    std::map<std::string, std::string> providers_;  // "storage:dir" -> path of its plugin
};

}  // namespace lxdp::plugins
