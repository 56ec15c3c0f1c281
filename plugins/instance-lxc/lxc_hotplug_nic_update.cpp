// A NIC of a running container changed in place (device_update), for the keys upstream updates
// without taking the NIC out (its UpdatableFields): the limits of NICs with a host-side veth, the
// routes of bridged and p2p NICs and the filters of bridged ones. The interface stays inside with
// its addresses and connections; only the host-side extras are redone. Any other change is
// LXDP_E_NOTSUP, and the host removes the NIC and adds it again.
#include "lxc_hotplug.h"
#include "lxc_driver.h"
#include "lxc_nic.h"

#include <functional>
#include <set>

namespace lxdp_lxc {

namespace {

std::set<std::string> updatable_keys(const NicType *type) {
    std::set<std::string> keys;
    if (type->host_veth)
        keys.insert({"limits.ingress", "limits.egress", "limits.max"});
    if (type == &kNicBridged || type == &kNicP2p)
        keys.insert({"ipv4.routes", "ipv6.routes"});
    if (type == &kNicBridged)
        keys.insert({"security.mac_filtering", "security.ipv4_filtering", "security.ipv6_filtering"});
    return keys;
}

// The first changed key that cannot change in place, "" when there is none.
std::string fixed_key_changed(const Nic &old, const Nic &now) {
    if (old.type != now.type)
        return "nictype";
    const std::set<std::string> updatable = updatable_keys(now.type);
    for (const auto *side : {&old.config, &now.config})
        for (const auto &[key, value] : *side)
            if (old.get(key) != now.get(key) && !updatable.count(key))
                return key;
    return "";
}

bool changed(const Nic &old, const Nic &now, std::initializer_list<const char *> keys) {
    for (const char *key : keys)
        if (old.get(key) != now.get(key))
            return true;
    return false;
}

} // namespace

void nic_update(const Driver &drv, const InstanceView &before, const InstanceView &after, const std::string &device) {
    const Nic old = recorded_nic(before, device);
    Nic now = recorded_nic(after, device);
    if (const std::string key = fixed_key_changed(old, now); !key.empty())
        fail(LXDP_E_NOTSUP, "Device %s: %s cannot change in place", device.c_str(), key.c_str());
    // The interface stays the one it is, whatever volatile keys the new config carries.
    now.name = old.name;
    now.hwaddr = old.hwaddr;
    now.host_name = old.host_name;
    Container c(drv, after);
    require_running(c);

    // The new undo script first: what it undoes is what the NIC has once this is done.
    write_nic_undo(drv, after, now);
    const bool limits = now.type->host_veth && changed(old, now, {"limits.ingress", "limits.egress", "limits.max"});
    const bool routes = changed(old, now, {"ipv4.routes", "ipv6.routes"});
    const bool filter =
        changed(old, now, {"security.mac_filtering", "security.ipv4_filtering", "security.ipv6_filtering"});
    bool limits_tried = false, routes_tried = false; // for the undo: each copes with a half-done step
    try {
        if (limits) {
            limits_tried = true;
            update_nic_limits(drv, old, now);
        }
        if (routes) {
            routes_tried = true;
            update_nic_routes(drv, old, now);
        }
        // Last, as nothing after it can fail: a filter that fails to load leaves the NIC cut off.
        if (filter)
            update_nic_filter(drv, after, old, now);
    } catch (const Error &) {
        // The rest goes back to what it was; the error reported is the first.
        const auto quietly = [&](const char *what, const std::function<void()> &undo) {
            try {
                undo();
            } catch (const Error &e) {
                drv.log(LXDP_LOG_WARN, "Instance %s: NIC %s: %s not restored: %s", after.lxc_name().c_str(),
                        device.c_str(), what, e.what());
            }
        };
        if (routes_tried)
            quietly("routes", [&] { update_nic_routes(drv, now, old); });
        if (limits_tried)
            quietly("limits", [&] { update_nic_limits(drv, now, old); });
        quietly("undo script", [&] { write_nic_undo(drv, before, old); });
        throw;
    }
    drv.log(LXDP_LOG_INFO, "Instance %s: NIC %s changed in place", after.lxc_name().c_str(), device.c_str());
}

} // namespace lxdp_lxc
