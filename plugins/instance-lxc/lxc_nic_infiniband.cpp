// Devices of type infiniband, as upstream's infiniband_physical and infiniband_sriov: the parent's
// IPoIB interface (physical) or a free virtual function of it (sriov; infiniband VFs are made by
// the driver's module options, never grown here) goes in as a physical NIC does, with the
// device's 20-byte address (or its last 8 bytes) set on the host first, and the interface's
// /dev/infiniband character devices (issm, umad, uverbs) go in as unix-char devices. The
// interface's address and MTU are recorded in volatile.<dev>.last_state.* and put back by the
// NIC's undo script when it leaves.
#include "lxc_nic.h"
#include "lxc_sriov.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstdio>

namespace lxdp_lxc {

namespace {

// The lengths of the two address forms as text: 20 bytes, and the last 8.
constexpr size_t kLongAddress = 59, kShortAddress = 23;

void require_infiniband(const Nic &nic, const std::string &name) {
    if (!is_infiniband_interface(name))
        fail(LXDP_E_INVAL, "Device %s: \"%s\" is not an infiniband device", nic.device.c_str(), name.c_str());
}

void check(const Nic &nic) {
    require_parent(nic, false);
    require_infiniband(nic, nic.get("parent"));
}

void claim_physical(Nic &nic) {
    nic.host_name = nic.get("parent");
    snapshot_interface(nic);
}

void claim_sriov(Nic &nic) {
    const Vf vf = claim_free_vf(nic.device, nic.get("parent"), false);
    require_infiniband(nic, vf.netdev);
    nic.claim = vf.claim;
    nic.host_name = vf.netdev;
    snapshot_interface(nic);
}

// upstream's infinibandSetDevMAC: the short form replaces the last 8 bytes of the current address.
void prepare(const Driver &drv, const Nic &nic) {
    std::string address = nic.get("hwaddr");
    if (address.empty())
        return;
    if (address.size() == kShortAddress) {
        const std::string current = nic.last_state.at("hwaddr");
        if (current.size() != kLongAddress)
            fail(LXDP_E_INVAL, "Device %s: \"%s\" has no 20-byte address to change the end of", nic.device.c_str(),
                 nic.host_name.c_str());
        address = current.substr(0, kLongAddress - kShortAddress) + address;
    }
    run_host(drv, {"ip", "link", "set", "dev", nic.host_name, "address", address});
}

// The entries of a sysfs directory, none when it is missing.
std::vector<std::string> entries(const std::string &dir) {
    std::vector<std::string> out;
    if (DIR *d = opendir(dir.c_str())) {
        while (struct dirent *de = readdir(d))
            if (de->d_name[0] != '.')
                out.emplace_back(de->d_name);
        closedir(d);
    }
    return out;
}

DeviceConfig char_device(const std::string &name) {
    const std::string node = "/dev/infiniband/" + name;
    DeviceConfig cfg{{"type", "unix-char"}, {"source", node}, {"path", node}};
    // The host node's own mode, as upstream's unix devices without one.
    struct stat st;
    if (stat(node.c_str(), &st) == 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%o", unsigned(st.st_mode & 07777));
        cfg["mode"] = mode;
    }
    return cfg;
}

} // namespace

// upstream's resources: the issm and umad devices of the interface's port (dev_port + 1) and its
// one verbs device.
std::vector<DeviceConfig> nic_unix_nodes(const Nic &nic) {
    if (nic.type != &kInfinibandPhysical && nic.type != &kInfinibandSriov)
        return {};
    const std::string dev = "/sys/class/net/" + nic.host_name + "/device/";
    const auto dev_port = read_sysfs("/sys/class/net/" + nic.host_name + "/dev_port");
    const std::string port = std::to_string(dev_port ? std::stoi(*dev_port) + 1 : 1);
    std::vector<DeviceConfig> out;
    for (const std::string &name : entries(dev + "infiniband_mad")) {
        if (read_sysfs(dev + "infiniband_mad/" + name + "/port") != port || !read_sysfs(dev + "infiniband_mad/" + name + "/dev"))
            continue;
        if (name.rfind("issm", 0) == 0 || name.rfind("umad", 0) == 0)
            out.push_back(char_device(name));
    }
    if (const auto verbs = entries(dev + "infiniband_verbs"); verbs.size() == 1)
        out.push_back(char_device(verbs.front()));
    return out;
}

const NicType kInfinibandPhysical = {"physical",          false, false, check, passed_interface_keys, nullptr,
                                     claim_physical,      prepare, restore_interface_commands};
const NicType kInfinibandSriov = {"sriov", false, false, check, passed_interface_keys, nullptr,
                                  claim_sriov, prepare, restore_interface_commands};

} // namespace lxdp_lxc
