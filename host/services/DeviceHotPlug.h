// Devices of a running instance follow its config: a device a change removes leaves the instance,
// one it adds comes in, one it changes is changed in place where the driver can (ABI 1.5, the keys
// upstream updates live) and otherwise goes out and comes back, as upstream does for the others,
// each through the instance driver's hot-plug calls (ABI 1.2).
#pragma once

#include <string>
#include <vector>

#include "db/Records.h"
#include "plugins/InstanceDriver.h"

namespace lxdp::services {

struct DeviceChanges {
    std::vector<std::string> removed;  // leave the instance
    std::vector<std::string> added;    // come in
    // Changed, of the same type: in place, else (hotPlug moves them) removed and added.
    std::vector<std::string> updated;
    bool empty() const { return removed.empty() && added.empty() && updated.empty(); }
};

// What the instance driver has to do between two expanded device sets. The root disk (its size
// is the pool's matter), proxies (the daemon serves them) and "none" devices are left out.
DeviceChanges deviceChanges(const db::DeviceMap& before, const db::DeviceMap& after);

// Carries out changes on a running instance: removals through before's view, additions through
// after's, changes in place through both; the changes the driver cannot make in place move from
// updated to removed and added, so that changes says what was done. On a failure every step
// already done is undone and the error is thrown as a 400
// (refused device, missing source, unsupported type) or a 500, naming the device; a driver
// without hot-plug is "hot-plug not supported by this driver". Returns the keys to record:
// the added devices' volatile keys, and "" (remove) for the keys of devices that went for good.
db::StringMap hotPlug(const plugins::InstanceDriver& driver, const plugins::InstanceRef& before,
                      const plugins::InstanceRef& after, DeviceChanges& changes);

// The keys that clear a device's volatile.<device>.* keys in config ("" for each).
db::StringMap dropVolatileKeys(const db::StringMap& config, const std::string& device);

// Best-effort reverse of a hotPlug that succeeded (a later step of the update failed).
void unplug(const plugins::InstanceDriver& driver, const plugins::InstanceRef& before,
            const plugins::InstanceRef& after, const DeviceChanges& changes) noexcept;

}  // namespace lxdp::services
