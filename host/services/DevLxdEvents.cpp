#include "services/DevLxdEvents.h"

#include <sstream>

#include "services/InstanceExpansion.h"
#include "util/ApiError.h"
#include "util/Time.h"

namespace lxdp::services {

namespace {

nlohmann::json event(const char* type, nlohmann::json metadata) {
    return {{"timestamp", util::nowRfc3339()}, {"type", type}, {"metadata", std::move(metadata)}};
}

}  // namespace

DevLxdView devLxdView(const Expanded& expanded) {
    DevLxdView view;
    for (const auto& [key, value] : expanded.config)
        if (key.rfind("user.", 0) == 0) view.userConfig[key] = value;
    view.devices = expanded.devices;
    return view;
}

std::set<std::string> devLxdEventTypes(const std::string& list) {
    std::set<std::string> types;
    std::stringstream in(list);
    for (std::string t; std::getline(in, t, ',');) {
        if (t.empty()) continue;
        if (t != "config" && t != "device") throw BadRequest("'" + t + "' isn't a supported event type");
        types.insert(t);
    }
    return types;
}

std::vector<nlohmann::json> devLxdChanges(const DevLxdView& before, const DevLxdView& after,
                                          const std::set<std::string>& types) {
    std::vector<nlohmann::json> out;
    if (types.empty() || types.count("config")) {
        auto valueIn = [](const std::map<std::string, std::string>& m, const std::string& k) {
            auto it = m.find(k);
            return it == m.end() ? std::string() : it->second;
        };
        std::set<std::string> keys;
        for (const auto& [k, v] : before.userConfig) keys.insert(k);
        for (const auto& [k, v] : after.userConfig) keys.insert(k);
        for (const auto& k : keys) {
            const std::string old = valueIn(before.userConfig, k), now = valueIn(after.userConfig, k);
            if (old != now) out.push_back(event("config", {{"key", k}, {"old_value", old}, {"value", now}}));
        }
    }
    if (types.empty() || types.count("device")) {
        for (const auto& [name, config] : before.devices) {
            auto it = after.devices.find(name);
            if (it == after.devices.end())
                out.push_back(event("device", {{"name", name}, {"action", "removed"}, {"config", config}}));
            else if (it->second != config)
                out.push_back(event("device", {{"name", name}, {"action", "updated"}, {"config", it->second}}));
        }
        for (const auto& [name, config] : after.devices)
            if (!before.devices.count(name))
                out.push_back(event("device", {{"name", name}, {"action", "added"}, {"config", config}}));
    }
    return out;
}

}  // namespace lxdp::services
