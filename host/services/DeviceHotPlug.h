// Devices of a running instance follow its config: a device a change removes leaves the instance,
// one it adds comes in, one it changes goes out and comes back (as upstream does for keys it
// cannot update in place), each through the instance driver's hot-plug calls (ABI 1.2).
#pragma once

#include <string>
#include <vector>

#include "db/Records.h"
#include "plugins/InstanceDriver.h"

namespace lxdp::services {

struct DeviceChanges {
    std::vector<std::string> removed;  // leave the instance (changed devices included)
    std::vector<std::string> added;    // come in (changed devices included)
    bool empty() const { return removed.empty() && added.empty(); }
};

// What the instance driver has to do between two expanded device sets. The root disk (its size
// is the pool's matter), proxies (the daemon serves them) and "none" devices are left out.
DeviceChanges deviceChanges(const db::DeviceMap& before, const db::DeviceMap& after);

// Carries out changes on a running instance: removals through before's view, additions through
// after's. On a failure every step already done is undone and the error is thrown as a 400
// (refused device, missing source, unsupported type) or a 500, naming the device; a driver
// without hot-plug is "hot-plug not supported by this driver". Returns the keys to record:
// the added devices' volatile keys, and "" (remove) for the keys of devices that went for good.
db::StringMap hotPlug(const plugins::InstanceDriver& driver, const plugins::InstanceRef& before,
                      const plugins::InstanceRef& after, const DeviceChanges& changes);

// The keys that clear a device's volatile.<device>.* keys in config ("" for each).
db::StringMap dropVolatileKeys(const db::StringMap& config, const std::string& device);

// Best-effort reverse of a hotPlug that succeeded (a later step of the update failed).
void unplug(const plugins::InstanceDriver& driver, const plugins::InstanceRef& before,
            const plugins::InstanceRef& after, const DeviceChanges& changes) noexcept;

}  // namespace lxdp::services
