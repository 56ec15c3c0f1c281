#include "lxc_hotplug.h"

#include "lxc_device_monitor.h"
#include "lxc_disk_limits.h"

namespace lxdp_lxc {

namespace {

std::string type_of(const lxdp_device &device) { return config_value(device_config(device), "type"); }

bool follows_plugs(const std::string &type) { return type == "usb" || type == "unix-hotplug"; }

bool unix_type(const std::string &type) {
    return type == "unix-char" || type == "unix-block" || type == "gpu" || follows_plugs(type);
}

const char *name_of(const lxdp_device &device) {
    if (device.name == nullptr || *device.name == '\0')
        fail(LXDP_E_INVAL, "A device without a name cannot be hot-plugged");
    return device.name;
}

[[noreturn]] void refuse(const std::string &device, const std::string &type) {
    fail(LXDP_E_NOTSUP,
         "Device %s: type %s cannot be added to or removed from a running container by the lxc driver: "
         "stop the instance first",
         device.c_str(), type.c_str());
}

} // namespace

void device_add(const Driver &drv, const InstanceView &inst, const lxdp_device &device,
                const lxdp_kv_sink *volatile_out) {
    const std::string name = name_of(device), type = type_of(device);
    if (type == "nic" || type == "infiniband")
        nic_add(drv, inst, name, volatile_out);
    else if (type == "disk")
        disk_add(drv, inst, device);
    else if (unix_type(type))
        unix_add(drv, inst, device);
    else
        refuse(name, type);
    if (follows_plugs(type))
        drv.monitor().follow(inst);
}

void device_remove(const Driver &drv, const InstanceView &inst, const lxdp_device &device) {
    const std::string name = name_of(device), type = type_of(device);
    if (type == "nic" || type == "infiniband")
        nic_remove(drv, inst, name);
    else if (type == "disk")
        disk_remove(drv, inst, device);
    else if (unix_type(type))
        unix_remove(drv, inst, device);
    else
        refuse(name, type);
    if (follows_plugs(type))
        drv.monitor().follow(inst, name);
}

void device_update(const Driver &drv, const InstanceView &before, const InstanceView &after, const lxdp_device &device) {
    const std::string name = name_of(device), type = type_of(device);
    if (type == "nic" || type == "infiniband")
        nic_update(drv, before, after, name);
    else if (type == "disk")
        disk_update(before, after, name);
    else
        fail(LXDP_E_NOTSUP, "Device %s: type %s changes by removal and addition", name.c_str(), type.c_str());
}

} // namespace lxdp_lxc
