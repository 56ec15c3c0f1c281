#include "lxc_passthrough.h"

#include <libudev.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>

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

bool same_id(const std::string &a, const std::string &b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

bool matches(const DeviceConfig &cfg, const char *key, const std::string &value) {
    const std::string want = config_value(cfg, key);
    return want.empty() || same_id(want, value);
}

// Every device the enumeration's matches select (what names them in errors): fn(device) for
// each, the device freed after.
template <class Match, class Fn>
void each_device(const char *what, Match &&match, Fn &&fn) {
    Udev u(udev_new(), udev_unref);
    if (!u)
        fail(LXDP_E_IO, "Failed to open libudev");
    Enumerate e(udev_enumerate_new(u.get()), udev_enumerate_unref);
    if (!e || match(e.get()) < 0 || udev_enumerate_scan_devices(e.get()) < 0)
        fail(LXDP_E_IO, "Failed to list the host's %s devices", what);
    udev_list_entry *entry;
    udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e.get())) {
        Device dev(udev_device_new_from_syspath(u.get(), udev_list_entry_get_name(entry)), udev_device_unref);
        if (dev)
            fn(dev.get());
    }
}

template <class Fn>
void each_device_of(const char *subsystem, Fn &&fn) {
    each_device(
        subsystem, [&](udev_enumerate *e) { return udev_enumerate_add_match_subsystem(e, subsystem); },
        std::forward<Fn>(fn));
}

std::optional<HostNode> host_node(udev_device *dev) {
    const char *node = udev_device_get_devnode(dev);
    const dev_t num = udev_device_get_devnum(dev);
    if (node == nullptr || major(num) == 0 || minor(num) == 0)
        return std::nullopt;
    const char *subsystem = udev_device_get_subsystem(dev);
    return HostNode{node, major(num), minor(num), subsystem != nullptr && std::string(subsystem) == "block"};
}

// The node of a device given by its path alone (a DRM or USB node): its numbers are read from the
// host's node when it is made.
DeviceConfig path_node_config(const DeviceConfig &cfg, const char *devnode) {
    DeviceConfig node{{"type", "unix-char"}, {"source", devnode}, {"path", devnode}};
    for (const char *key : {"uid", "gid", "mode"})
        if (!config_value(cfg, key).empty())
            node[key] = config_value(cfg, key);
    return node;
}

// what: the devices looked at, as "no ... matches" names them.
[[noreturn]] void none_matches(const std::string &device, const DeviceConfig &cfg, const char *what) {
    fail(LXDP_E_NOTFOUND, "Device %s: no %s matches vendorid \"%s\" productid \"%s\"", device.c_str(), what,
         config_value(cfg, "vendorid").c_str(), config_value(cfg, "productid").c_str());
}

std::vector<DeviceConfig> usb_nodes(const std::string &device, const DeviceConfig &cfg) {
    std::vector<DeviceConfig> out;
    each_device_of("usb", [&](udev_device *dev) {
        const char *type = udev_device_get_devtype(dev);
        const char *node = udev_device_get_devnode(dev);
        if (type != nullptr && std::string(type) == "usb_device" && node != nullptr &&
            ids_match(cfg, attr(dev, "idVendor"), attr(dev, "idProduct")))
            out.push_back(path_node_config(cfg, node));
    });
    if (out.empty() && parse_bool(config_value(cfg, "required")))
        none_matches(device, cfg, "USB device of the host");
    return out;
}

// Upstream's rule (lxd/device/unix_hotplug.go): initialized devices whose udev properties carry
// the ids, with a node and its numbers, of any subsystem but usb*, whose nodes are the usb
// devices'. Listed by one property and checked for both: libudev ORs property matches.
std::vector<DeviceConfig> unix_hotplug_nodes(const std::string &device, const DeviceConfig &cfg) {
    const std::string vendor = config_value(cfg, "vendorid"), product = config_value(cfg, "productid");
    std::vector<DeviceConfig> out;
    const auto listed = [&](udev_enumerate *e) {
        const int rc = !vendor.empty() ? udev_enumerate_add_match_property(e, "ID_VENDOR_ID", vendor.c_str())
                                       : udev_enumerate_add_match_property(e, "ID_MODEL_ID", product.c_str());
        return rc < 0 ? rc : udev_enumerate_add_match_is_initialized(e);
    };
    each_device("udev-identified", listed, [&](udev_device *dev) {
        const char *subsystem = udev_device_get_subsystem(dev);
        const char *v = udev_device_get_property_value(dev, "ID_VENDOR_ID");
        const char *p = udev_device_get_property_value(dev, "ID_MODEL_ID");
        const auto node = host_node(dev);
        if (node && subsystem != nullptr && std::string(subsystem).rfind("usb", 0) != 0 &&
            ids_match(cfg, v != nullptr ? v : "", p != nullptr ? p : ""))
            out.push_back(node_config(cfg, *node));
    });
    if (out.empty() && parse_bool(config_value(cfg, "required")))
        none_matches(device, cfg, "device node of the host with udev ids");
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
    each_device_of("drm", [&](udev_device *dev) {
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
            out.push_back(path_node_config(cfg, n.devnode.c_str()));
    if (out.empty())
        fail(LXDP_E_NOTFOUND, "Device %s: failed to detect the requested GPU device on the host", device.c_str());
    return out;
}

} // namespace

bool ids_match(const DeviceConfig &cfg, const std::string &vendor, const std::string &product) {
    return matches(cfg, "vendorid", vendor) && matches(cfg, "productid", product);
}

DeviceConfig node_config(const DeviceConfig &cfg, const HostNode &node) {
    DeviceConfig out = path_node_config(cfg, node.devnode.c_str());
    out["type"] = node.block ? "unix-block" : "unix-char";
    out.erase("source");
    out["major"] = std::to_string(node.major_nr);
    out["minor"] = std::to_string(node.minor_nr);
    return out;
}

std::vector<DeviceConfig> passthrough_nodes(const std::string &device, const DeviceConfig &cfg) {
    const std::string type = config_value(cfg, "type");
    if (type == "usb")
        return usb_nodes(device, cfg);
    if (type == "unix-hotplug")
        return unix_hotplug_nodes(device, cfg);
    const std::string gputype = config_value(cfg, "gputype");
    if (type == "gpu" && (gputype.empty() || gputype == "physical"))
        return gpu_nodes(device, cfg);
    fail(LXDP_E_NOTSUP, "Device %s: %s%s%s devices are not supported by the lxc driver", device.c_str(),
         type.c_str(), gputype.empty() ? "" : " ", gputype.c_str());
}

} // namespace lxdp_lxc
