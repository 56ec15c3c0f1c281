#include "lxc_passthrough.h"

#include <libudev.h>

#include <map>
#include <memory>

namespace lxdp_lxc {

namespace {

using Udev = std::unique_ptr<udev, udev *(*)(udev *)>;
using Enumerate = std::unique_ptr<udev_enumerate, udev_enumerate *(*)(udev_enumerate *)>;
using Device = std::unique_ptr<udev_device, udev_device *(*)(udev_device *)>;

std::string attr(udev_device *dev, const char *name) {
    const char *v = dev != nullptr ? udev_device_get_sysattr_value(dev, name) : nullptr;
    std::string s = v != nullptr ? v : "";
    // PCI ids read "0x10de"; the device keys are bare hex.
    if (s.rfind("0x", 0) == 0)
        s.erase(0, 2);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

bool matches(const DeviceConfig &cfg, const char *key, const std::string &value) {
    const std::string want = config_value(cfg, key);
    return want.empty() || want == value;
}

// Every device of a subsystem: fn(device) for each, the device freed after.
template <class Fn>
void each_device(const char *subsystem, Fn &&fn) {
    Udev u(udev_new(), udev_unref);
    if (!u)
        fail(LXDP_E_IO, "Failed to open libudev");
    Enumerate e(udev_enumerate_new(u.get()), udev_enumerate_unref);
    if (!e || udev_enumerate_add_match_subsystem(e.get(), subsystem) < 0 || udev_enumerate_scan_devices(e.get()) < 0)
        fail(LXDP_E_IO, "Failed to list the host's %s devices", subsystem);
    udev_list_entry *entry;
    udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e.get())) {
        Device dev(udev_device_new_from_syspath(u.get(), udev_list_entry_get_name(entry)), udev_device_unref);
        if (dev)
            fn(dev.get());
    }
}

DeviceConfig node_config(const DeviceConfig &cfg, const char *devnode) {
    DeviceConfig node{{"type", "unix-char"}, {"source", devnode}, {"path", devnode}};
    for (const char *key : {"uid", "gid", "mode"})
        if (!config_value(cfg, key).empty())
            node[key] = config_value(cfg, key);
    return node;
}

std::vector<DeviceConfig> usb_nodes(const std::string &device, const DeviceConfig &cfg) {
    std::vector<DeviceConfig> out;
    each_device("usb", [&](udev_device *dev) {
        const char *type = udev_device_get_devtype(dev);
        const char *node = udev_device_get_devnode(dev);
        if (type != nullptr && std::string(type) == "usb_device" && node != nullptr &&
            matches(cfg, "vendorid", attr(dev, "idVendor")) && matches(cfg, "productid", attr(dev, "idProduct")))
            out.push_back(node_config(cfg, node));
    });
    if (out.empty() && parse_bool(config_value(cfg, "required")))
        fail(LXDP_E_NOTFOUND, "Device %s: no USB device of the host matches vendorid \"%s\" productid \"%s\"",
             device.c_str(), config_value(cfg, "vendorid").c_str(), config_value(cfg, "productid").c_str());
    return out;
}

// DRM nodes (cardN, renderDN) of the PCI GPUs that match; a card's id is N, its render node's
// the id of the card on the same PCI device.
std::vector<DeviceConfig> gpu_nodes(const std::string &device, const DeviceConfig &cfg) {
    struct Node {
        std::string devnode, pci, vendor, product;
    };
    std::vector<Node> nodes;
    std::map<std::string, std::string> card_of_pci;
    each_device("drm", [&](udev_device *dev) {
        const char *node = udev_device_get_devnode(dev);
        const std::string name = udev_device_get_sysname(dev);
        udev_device *pci = udev_device_get_parent_with_subsystem_devtype(dev, "pci", nullptr);
        if (node == nullptr || pci == nullptr)
            return;
        const std::string slot = udev_device_get_sysname(pci);
        if (name.rfind("card", 0) == 0)
            card_of_pci[slot] = name.substr(4);
        nodes.push_back(Node{node, slot, attr(pci, "vendor"), attr(pci, "device")});
    });
    std::vector<DeviceConfig> out;
    for (const Node &n : nodes)
        if (matches(cfg, "vendorid", n.vendor) && matches(cfg, "productid", n.product) && matches(cfg, "pci", n.pci) &&
            matches(cfg, "id", card_of_pci[n.pci]))
            out.push_back(node_config(cfg, n.devnode.c_str()));
    if (out.empty())
        fail(LXDP_E_NOTFOUND, "Device %s: failed to detect the requested GPU device on the host", device.c_str());
    return out;
}

} // namespace

std::vector<DeviceConfig> passthrough_nodes(const std::string &device, const DeviceConfig &cfg) {
    const std::string type = config_value(cfg, "type");
    if (type == "usb")
        return usb_nodes(device, cfg);
    const std::string gputype = config_value(cfg, "gputype");
    if (type == "gpu" && (gputype.empty() || gputype == "physical"))
        return gpu_nodes(device, cfg);
    fail(LXDP_E_NOTSUP, "Device %s: %s%s%s devices are not supported by the lxc driver", device.c_str(),
         type.c_str(), gputype.empty() ? "" : " ", gputype.c_str());
}

} // namespace lxdp_lxc
