#include "lxc_unix_dev.h"
#include "lxc_passthrough.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace lxdp_lxc {

namespace {

uint32_t number(const std::string &device, const std::string &key, const std::string &value) {
    if (value.empty() || value.size() > 9 || value.find_first_not_of("0123456789") != std::string::npos)
        fail(LXDP_E_INVAL, "Device %s: invalid %s \"%s\"", device.c_str(), key.c_str(), value.c_str());
    return uint32_t(std::stoul(value));
}

// $LXD_DIR/devices/<container>: searchable by the container's root, which mounts from it.
std::string devices_dir(const Driver &drv, const InstanceView &inst) {
    const std::string var = host_config(drv.host(), LXDP_HOST_KEY_VAR_DIR);
    if (var.empty())
        fail(LXDP_E_INVAL, "The host does not provide %s", LXDP_HOST_KEY_VAR_DIR);
    return var + "/devices/" + inst.lxc_name();
}

// A path inside the container, made relative to its root; ".." and empty paths are refused.
std::string container_path(const std::string &device, const std::string &path) {
    std::string rel = path;
    while (!rel.empty() && rel.front() == '/')
        rel.erase(0, 1);
    if (rel.empty() || ("/" + rel + "/").find("/../") != std::string::npos ||
        rel.find_first_of(" \t\n\\") != std::string::npos)
        fail(LXDP_E_INVAL, "Device %s: invalid path \"%s\"", device.c_str(), path.c_str());
    return rel;
}

} // namespace

void remove_unix_devices(const Driver &drv, const InstanceView &inst) {
    const std::string dir = devices_dir(drv, inst);
    DIR *d = opendir(dir.c_str());
    if (d == nullptr)
        return;
    {
        std::unique_ptr<DIR, int (*)(DIR *)> guard(d, closedir);
        while (struct dirent *de = readdir(d))
            if (std::strcmp(de->d_name, ".") != 0 && std::strcmp(de->d_name, "..") != 0)
                unlinkat(::dirfd(d), de->d_name, 0);
    }
    if (rmdir(dir.c_str()) != 0 && errno != ENOENT)
        fail_errno(errno, "Failed to remove %s", dir.c_str());
}

std::vector<DeviceConfig> unix_node_configs(const std::string &device, const DeviceConfig &cfg) {
    const std::string type = config_value(cfg, "type");
    if (type == "unix-char" || type == "unix-block")
        return {cfg};
    if (type == "usb" || type == "unix-hotplug" || type == "gpu")
        return passthrough_nodes(device, cfg);
    return {};
}

std::string UnixNode::cgroup_rule() const {
    return std::string(block ? "b " : "c ") + std::to_string(major_nr) + ":" + std::to_string(minor_nr) + " rwm";
}

UnixNode unix_node_path(const Driver &drv, const InstanceView &inst, const std::string &device,
                        const DeviceConfig &cfg) {
    UnixNode n;
    n.block = config_value(cfg, "type") == "unix-block";
    const std::string source = config_value(cfg, "source");
    n.target = container_path(device, !config_value(cfg, "path").empty() ? config_value(cfg, "path") : source);
    // Upstream's naming: unix.<device>.<path with '/' as '-'>.
    std::string flat = n.target;
    for (char &c : flat)
        if (c == '/')
            c = '-';
    n.node = devices_dir(drv, inst) + "/unix." + device + "." + flat;
    return n;
}

std::optional<UnixNode> make_unix_node(const Driver &drv, const InstanceView &inst, const std::string &device,
                                       const DeviceConfig &cfg, const Idmap &idmap) {
    UnixNode n = unix_node_path(drv, inst, device, cfg);
    const std::string source = config_value(cfg, "source");
    // The numbers: major/minor when given, else the host's node at source.
    if (!config_value(cfg, "major").empty() && !config_value(cfg, "minor").empty()) {
        n.major_nr = number(device, "major", config_value(cfg, "major"));
        n.minor_nr = number(device, "minor", config_value(cfg, "minor"));
    } else {
        const std::string host_node = !source.empty() ? source : "/" + n.target;
        struct stat st;
        if (stat(host_node.c_str(), &st) != 0) {
            if (config_value(cfg, "required").empty() || parse_bool(config_value(cfg, "required")))
                fail(LXDP_E_NOTFOUND, "Device %s: %s not found on the host", device.c_str(), host_node.c_str());
            drv.log(LXDP_LOG_INFO, "Instance %s: optional device %s skipped, %s is missing", inst.lxc_name().c_str(),
                    device.c_str(), host_node.c_str());
            return std::nullopt;
        }
        if (n.block ? !S_ISBLK(st.st_mode) : !S_ISCHR(st.st_mode))
            fail(LXDP_E_INVAL, "Device %s: %s is not a %s device", device.c_str(), host_node.c_str(),
                 n.block ? "block" : "character");
        n.major_nr = major(st.st_rdev);
        n.minor_nr = minor(st.st_rdev);
    }
    const uint32_t mode =
        config_value(cfg, "mode").empty() ? 0660 : uint32_t(std::stoul(config_value(cfg, "mode"), nullptr, 8));
    const int64_t uid = config_value(cfg, "uid").empty() ? 0 : number(device, "uid", config_value(cfg, "uid"));
    const int64_t gid = config_value(cfg, "gid").empty() ? 0 : number(device, "gid", config_value(cfg, "gid"));
    const auto host_uid = idmap.empty() ? std::optional<int64_t>(uid) : idmap_to_host(idmap, uid, true);
    const auto host_gid = idmap.empty() ? std::optional<int64_t>(gid) : idmap_to_host(idmap, gid, false);
    if (!host_uid || !host_gid)
        fail(LXDP_E_INVAL, "Device %s: uid %lld or gid %lld is outside the container's id map", device.c_str(),
             (long long)uid, (long long)gid);

    const std::string dir = devices_dir(drv, inst);
    for (const std::string &p : {dir.substr(0, dir.rfind('/')), dir})
        if (mkdir(p.c_str(), 0711) != 0 && errno != EEXIST)
            fail_errno(errno, "Failed to create %s", p.c_str());
    if (unlink(n.node.c_str()) != 0 && errno != ENOENT)
        fail_errno(errno, "Device %s: failed to replace %s", device.c_str(), n.node.c_str());
    if (mknod(n.node.c_str(), (n.block ? S_IFBLK : S_IFCHR) | (mode & 07777), makedev(n.major_nr, n.minor_nr)) != 0)
        fail_errno(errno, "Device %s: failed to create %s", device.c_str(), n.node.c_str());
    if (chown(n.node.c_str(), uid_t(*host_uid), gid_t(*host_gid)) != 0 || chmod(n.node.c_str(), mode & 07777) != 0) {
        const int err = errno;
        unlink(n.node.c_str());
        fail_errno(err, "Device %s: failed to set the owner and mode of %s", device.c_str(), n.node.c_str());
    }
    return n;
}

std::vector<std::pair<std::string, std::string>>
prepare_unix_devices(const Driver &drv, const InstanceView &inst, const Idmap &idmap, bool cgroup2,
                     const std::vector<std::pair<std::string, DeviceConfig>> &more) {
    remove_unix_devices(drv, inst);
    std::vector<std::pair<std::string, DeviceConfig>> nodes;
    const lxdp_device_list *devs = inst.raw()->devices;
    for (uint32_t i = 0; devs != nullptr && devs->items != nullptr && i < devs->count; i++) {
        const lxdp_device &d = devs->items[i];
        if (d.name == nullptr)
            continue;
        for (DeviceConfig &cfg : unix_node_configs(d.name, device_config(d)))
            nodes.emplace_back(d.name, std::move(cfg));
    }
    nodes.insert(nodes.end(), more.begin(), more.end());
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto &[device, cfg] : nodes) {
        const auto n = make_unix_node(drv, inst, device, cfg, idmap);
        if (!n)
            continue;
        keys.emplace_back("lxc.mount.entry", n->node + " " + n->target + " none bind,create=file 0 0");
        keys.emplace_back(cgroup2 ? "lxc.cgroup2.devices.allow" : "lxc.cgroup.devices.allow", n->cgroup_rule());
    }
    return keys;
}

} // namespace lxdp_lxc
