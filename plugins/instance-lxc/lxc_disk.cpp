#include "lxc_disk.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

namespace lxdp_lxc {

namespace {

using DeviceConfig = std::map<std::string, std::string>;

std::string get(const DeviceConfig &dev, const std::string &key) {
    auto it = dev.find(key);
    return it == dev.end() ? std::string() : it->second;
}

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

std::vector<std::pair<std::string, std::string>> prepare_disks(const Driver &drv, const InstanceView &inst,
                                                               const Idmap &idmap, lxdp_op *op) {
    std::vector<std::pair<std::string, std::string>> keys;
    const lxdp_device_list *devs = inst.raw()->devices;
    for (uint32_t i = 0; devs != nullptr && devs->items != nullptr && i < devs->count; i++) {
        const lxdp_device &d = devs->items[i];
        DeviceConfig cfg;
        for (uint32_t j = 0; d.config != nullptr && d.config->items != nullptr && j < d.config->count; j++)
            if (d.config->items[j].key != nullptr)
                cfg[d.config->items[j].key] = d.config->items[j].value != nullptr ? d.config->items[j].value : "";
        if (get(cfg, "type") != "disk" || get(cfg, "path") == "/" || d.name == nullptr)
            continue;
        const std::string device = d.name;
        const std::string source = get(cfg, "source");
        const std::string target = target_of(device, get(cfg, "path"));
        if (source.empty() || source.front() != '/' || source.find_first_of(" \t\n\\") != std::string::npos)
            fail(LXDP_E_INVAL, "Disk %s: source \"%s\" must be an absolute host path without blanks", device.c_str(),
                 source.c_str());
        struct stat st;
        if (stat(source.c_str(), &st) != 0) {
            if (get(cfg, "required").empty() || parse_bool(get(cfg, "required")))
                fail(LXDP_E_NOTFOUND, "Disk %s: %s not found on the host", device.c_str(), source.c_str());
            drv.log(LXDP_LOG_INFO, "Instance %s: optional disk %s skipped, %s is missing", inst.lxc_name().c_str(),
                    device.c_str(), source.c_str());
            continue;
        }
        if (parse_bool(get(cfg, "lxdp.volume_shift")))
            own_volume(drv, device, source, idmap, op);
        std::string options = S_ISDIR(st.st_mode) ? "bind,create=dir" : "bind,create=file";
        if (parse_bool(get(cfg, "recursive")))
            options = "r" + options;
        if (parse_bool(get(cfg, "readonly")))
            options += ",ro";
        keys.emplace_back("lxc.mount.entry", source + " " + target + " none " + options + " 0 0");
    }
    return keys;
}

} // namespace lxdp_lxc
