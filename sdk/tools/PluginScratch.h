// What lxd-plugin-check and lxd-plugin-inspect share: one plugin loaded by the daemon's own
// loader (PluginRegistry, same rules and messages), with host services whose $LXD_DIR and
// friends point into a scratch directory, so nothing of a real daemon is touched.
#pragma once

#include <string>

#include "plugins/HostServices.h"
#include "plugins/PluginRegistry.h"

namespace lxdp::tools {

class PluginScratch {
public:
    // Makes /tmp/<tool>.XXXXXX (throws std::runtime_error when it cannot).
    explicit PluginScratch(const std::string& tool);
    PluginScratch(const PluginScratch&) = delete;
    PluginScratch& operator=(const PluginScratch&) = delete;
    // Removes the scratch directory unless keep() was called.
    ~PluginScratch();

    // Loads the shared object at path (made absolute); the report says whether it loaded.
    const plugins::PluginLoadReport& load(const std::string& path);
    const plugins::PluginRegistry& registry() const { return registry_; }

    const std::string& dir() const { return dir_; }
    const std::string& varDir() const { return varDir_; }  // what plugins see as $LXD_DIR
    // Leaves the directory in place (e.g. something is still mounted below it).
    void keep() { keep_ = true; }

private:
    std::string dir_;
    std::string varDir_;
    bool keep_ = false;
    plugins::HostServices host_;
    plugins::PluginRegistry registry_{host_};
};

}  // namespace lxdp::tools
