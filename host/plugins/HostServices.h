// The services table every plugin receives (abi.h lxdp_host_api): logging, daemon config,
// running commands, operation progress. It lives as long as the process's plugins do.
#pragma once

#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include <lxdp/abi.h>

namespace lxdp::plugins {

class HostServices {
public:
    using ConfigLookup = std::function<std::optional<std::string>(const std::string& key)>;

    HostServices();
    HostServices(const HostServices&) = delete;
    HostServices& operator=(const HostServices&) = delete;
    ~HostServices();

    // Answers config_get (LXDP_HOST_KEY_* and server config keys). Unset: every key is unset.
    void setConfigLookup(ConfigLookup lookup);

    // The table for one plugin: its own copy whose `host` names the plugin in log lines.
    // The pointer stays valid as long as this object.
    const lxdp_host_api* apiFor(const std::string& pluginName);

private:
    friend struct HostCallbacks;  // the C functions of the table, in HostServices.cpp
    std::optional<std::string> lookup(const std::string& key) const;

    mutable std::shared_mutex lookupMutex_;
    ConfigLookup lookup_;

    std::mutex tablesMutex_;
    std::list<lxdp_host> hosts_;  // a list: the addresses handed to plugins never move
};

}  // namespace lxdp::plugins
