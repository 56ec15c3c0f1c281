#include "services/DeviceHotPlug.h"

#include <algorithm>

#include "config/Devices.h"
#include "plugins/PluginError.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {

// Devices the instance driver carries out (instance.h): everything but the daemon's proxies,
// the root disk and inheritance blockers.
bool driverDevice(const db::StringMap& dev) {
    const auto type = dev.find("type");
    const std::string t = type == dev.end() ? "" : type->second;
    return t != "proxy" && t != "none" && !config::isRootDisk(dev);
}

// A driver's refusal as the client should see it: what the device asks for is a 400 (the
// driver's "not found" included: a missing source is the request's fault), the rest a 500.
[[noreturn]] void rethrowFor(const char* verb, const std::string& device, const plugins::PluginError& e) {
    const int status = e.code() == LXDP_E_IO || e.code() == LXDP_E_INTERNAL ? 500 : 400;
    throw ApiError(status, std::string("Failed to ") + verb + " device \"" + device + "\": " + e.what());
}

}  // namespace

DeviceChanges deviceChanges(const db::DeviceMap& before, const db::DeviceMap& after) {
    DeviceChanges out;
    const auto typeOf = [](const db::StringMap& dev) {
        const auto t = dev.find("type");
        return t == dev.end() ? std::string() : t->second;
    };
    for (const auto& [name, dev] : before) {
        const auto now = after.find(name);
        if (!driverDevice(dev) || (now != after.end() && now->second == dev)) continue;
        // Of the same type still: the driver may change it in place.
        if (now != after.end() && driverDevice(now->second) && typeOf(now->second) == typeOf(dev))
            out.updated.push_back(name);
        else
            out.removed.push_back(name);
    }
    for (const auto& [name, dev] : after) {
        const auto was = before.find(name);
        if (!driverDevice(dev) || (was != before.end() && was->second == dev)) continue;
        if (std::find(out.updated.begin(), out.updated.end(), name) == out.updated.end())
            out.added.push_back(name);
    }
    return out;
}

db::StringMap hotPlug(const plugins::InstanceDriver& driver, const plugins::InstanceRef& before,
                      const plugins::InstanceRef& after, DeviceChanges& changes) {
    DeviceChanges done;  // so far, for the undo
    db::StringMap keys;
    try {
        std::vector<std::string> removals = changes.removed, additions = changes.added;
        for (const auto& name : changes.updated) {
            bool inPlace = false;
            try {
                inPlace = driver.deviceUpdate(before, after, name);
            } catch (const plugins::PluginError& e) {
                rethrowFor("update", name, e);
            }
            if (inPlace) {
                done.updated.push_back(name);
            } else {
                removals.push_back(name);
                additions.push_back(name);
            }
        }
        for (const auto& name : removals) {
            try {
                driver.deviceRemove(before, name);
            } catch (const plugins::PluginError& e) {
                rethrowFor("remove", name, e);
            }
            done.removed.push_back(name);
            // Its volatile keys go with it, unless it comes back (a MAC stays the same).
            if (!after.devices.count(name)) keys.merge(dropVolatileKeys(before.config, name));
        }
        for (const auto& name : additions) {
            db::StringMap got;
            try {
                got = driver.deviceAdd(after, name);
            } catch (const plugins::PluginError& e) {
                rethrowFor("add", name, e);
            }
            done.added.push_back(name);
            for (auto& [key, value] : got) keys[key] = std::move(value);
        }
    } catch (...) {
        unplug(driver, before, after, done);
        throw;
    }
    changes = std::move(done);
    return keys;
}

db::StringMap dropVolatileKeys(const db::StringMap& config, const std::string& device) {
    db::StringMap out;
    const std::string prefix = "volatile." + device + ".";
    for (auto it = config.lower_bound(prefix); it != config.end() && it->first.rfind(prefix, 0) == 0; ++it)
        out[it->first] = "";
    return out;
}

void unplug(const plugins::InstanceDriver& driver, const plugins::InstanceRef& before,
            const plugins::InstanceRef& after, const DeviceChanges& changes) noexcept {
    for (auto it = changes.added.rbegin(); it != changes.added.rend(); ++it)
        try { driver.deviceRemove(after, *it); } catch (...) {}
    for (auto it = changes.updated.rbegin(); it != changes.updated.rend(); ++it)
        try { driver.deviceUpdate(after, before, *it); } catch (...) {}
    for (auto it = changes.removed.rbegin(); it != changes.removed.rend(); ++it)
        try { driver.deviceAdd(before, *it); } catch (...) {}
}

}  // namespace lxdp::services
