#include "lxc_disk.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lxdp_lxc {

namespace {

// The mount target relative to the rootfs: liblxc resolves it inside the rootfs, so a symlink
// in the container cannot lead the mount out; ".." and blanks (the fstab syntax) are refused.
std::string target_of(const std::string &device, const std::string &path) {
    std::string rel = path;
    while (!rel.empty() && rel.front() == '/')
        rel.erase(0, 1);
    if (rel.empty() || ("/" + rel + "/").find("/../") != std::string::npos ||
        rel.find_first_of(" \t\n\\") != std::string::npos)
        fail(LXDP_E_INVAL, "Disk %s: invalid path \"%s\"", device.c_str(), path.c_str());
    return rel;
}

// A new volume belongs to host root, which the container cannot use: its data is shifted into
// the container's map. Data whose owner the map already covers was shifted before.
void own_volume(const Driver &drv, const std::string &device, const std::string &source, const Idmap &idmap,
                lxdp_op *op) {
    if (idmap.empty())
        return;
    struct stat st;
    if (lstat(source.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        fail(LXDP_E_INVAL, "Disk %s: the volume at %s is not a directory", device.c_str(), source.c_str());
    if (idmap_to_ns(idmap, st.st_uid, true))
        return;
    shift_tree(drv, source, Idmap{}, idmap, op);
}

} // namespace

std::optional<DiskMount> disk_mount(const Driver &drv, const InstanceView &inst, const std::string &device,
                                    const DeviceConfig &cfg, const Idmap &idmap, lxdp_op *op) {
    DiskMount m;
    m.source = config_value(cfg, "source");
    m.target = target_of(device, config_value(cfg, "path"));
    if (m.source.empty() || m.source.front() != '/' || m.source.find_first_of(" \t\n\\") != std::string::npos)
        fail(LXDP_E_INVAL, "Disk %s: source \"%s\" must be an absolute host path without blanks", device.c_str(),
             m.source.c_str());
    struct stat st;
    if (stat(m.source.c_str(), &st) != 0) {
        if (config_value(cfg, "required").empty() || parse_bool(config_value(cfg, "required")))
            fail(LXDP_E_NOTFOUND, "Disk %s: %s not found on the host", device.c_str(), m.source.c_str());
        drv.log(LXDP_LOG_INFO, "Instance %s: optional disk %s skipped, %s is missing", inst.lxc_name().c_str(),
                device.c_str(), m.source.c_str());
        return std::nullopt;
    }
    if (parse_bool(config_value(cfg, "lxdp.volume_shift")))
        own_volume(drv, device, m.source, idmap, op);
    m.dir = S_ISDIR(st.st_mode);
    m.recursive = parse_bool(config_value(cfg, "recursive"));
    m.readonly = parse_bool(config_value(cfg, "readonly"));
    return m;
}

std::vector<std::pair<std::string, std::string>> prepare_disks(const Driver &drv, const InstanceView &inst,
                                                               const Idmap &idmap, lxdp_op *op) {
    std::vector<std::pair<std::string, std::string>> keys;
    const lxdp_device_list *devs = inst.raw()->devices;
    for (uint32_t i = 0; devs != nullptr && devs->items != nullptr && i < devs->count; i++) {
        const lxdp_device &d = devs->items[i];
        const DeviceConfig cfg = device_config(d);
        if (config_value(cfg, "type") != "disk" || config_value(cfg, "path") == "/" || d.name == nullptr)
            continue;
        const auto m = disk_mount(drv, inst, d.name, cfg, idmap, op);
        if (!m)
            continue;
        std::string options = m->dir ? "bind,create=dir" : "bind,create=file";
        if (m->recursive)
            options = "r" + options;
        if (m->readonly)
            options += ",ro";
        keys.emplace_back("lxc.mount.entry", m->source + " " + m->target + " none " + options + " 0 0");
    }
    return keys;
}

} // namespace lxdp_lxc
