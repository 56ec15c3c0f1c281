#include "lxc_disk_limits.h"

#include "lxc_driver.h"
#include "lxc_limits.h"

#include <lxc/lxccontainer.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace lxdp_lxc {

namespace {

// The throttle of one block device; 0 is no limit.
struct Throttle {
    int64_t read_bps = 0, write_bps = 0, read_iops = 0, write_iops = 0;
    bool operator==(const Throttle &) const = default;
};

// By "major:minor".
using Throttles = std::map<std::string, Throttle>;

// Adds a limit's value to the byte or the operation rate ("100iops").
void add_rate(const std::string &device, const char *key, const std::string &value, int64_t &bps, int64_t &iops) {
    static const std::string kIops = "iops";
    if (value.size() > kIops.size() && value.compare(value.size() - kIops.size(), kIops.size(), kIops) == 0) {
        const std::string count = value.substr(0, value.size() - kIops.size());
        if (count.size() > 10 || count.find_first_not_of("0123456789") != std::string::npos)
            fail(LXDP_E_INVAL, "Disk %s: invalid value \"%s\" for %s", device.c_str(), value.c_str(), key);
        iops += std::stoll(count);
        return;
    }
    bps += parse_size(key, value);
}

// "major:minor" of the whole disk: the kernel throttles disks, not their partitions.
std::string whole_disk(dev_t dev) {
    std::string id = std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
    struct stat st;
    if (stat(("/sys/dev/block/" + id + "/partition").c_str(), &st) == 0) {
        std::ifstream parent("/sys/dev/block/" + id + "/../dev");
        std::string whole;
        if (parent >> whole)
            return whole;
    }
    return id;
}

// mountinfo escapes blanks and backslashes in paths as octal (\040).
std::string unescape(const std::string &s) {
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            out += char(std::strtol(s.substr(i + 1, 3).c_str(), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

// The source of the mount that holds path (the last mounted over the longest matching mount
// point), "" when none is found.
std::string mount_source_of(const std::string &path) {
    char resolved[PATH_MAX];
    if (realpath(path.c_str(), resolved) == nullptr)
        return "";
    const std::string real = resolved;
    std::ifstream in("/proc/self/mountinfo");
    std::string line, best_point, best_source;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, point, word;
        fields >> id >> parent >> devno >> root >> point;
        point = unescape(point);
        while (fields >> word && word != "-") {
        }
        std::string fstype, source;
        fields >> fstype >> source;
        const bool holds = point == "/" || real == point || real.rfind(point + "/", 0) == 0;
        if (holds && point.size() >= best_point.size()) {
            best_point = point;
            best_source = unescape(source);
        }
    }
    return best_source;
}

// The block device the data under path lives on: path itself (a block device source), the
// device of its filesystem, or, for a filesystem whose files carry no device of their own (btrfs
// subvolumes), the device its mount comes from.
std::string block_device_under(const std::string &device, const std::string &path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
        fail_errno(errno, "Disk %s: cannot read %s for its I/O limits", device.c_str(), path.c_str());
    if (S_ISBLK(st.st_mode))
        return whole_disk(st.st_rdev);
    if (major(st.st_dev) != 0)
        return whole_disk(st.st_dev);
    const std::string source = mount_source_of(path);
    struct stat src;
    if (!source.empty() && stat(source.c_str(), &src) == 0 && S_ISBLK(src.st_mode))
        return whole_disk(src.st_rdev);
    fail(LXDP_E_INVAL, "Disk %s: limits.read/write/max need a block device, and %s is on none (%s)", device.c_str(),
         path.c_str(), source.empty() ? "no mount found" : source.c_str());
}

// The throttles inst's disks ask for. A disk whose source is missing (an optional one) has none.
Throttles throttles_of(const InstanceView &inst) {
    Throttles out;
    const lxdp_device_list *devs = inst.raw()->devices;
    for (uint32_t i = 0; devs != nullptr && devs->items != nullptr && i < devs->count; i++) {
        const lxdp_device &d = devs->items[i];
        const DeviceConfig cfg = device_config(d);
        const std::string name = d.name != nullptr ? d.name : "";
        if (config_value(cfg, "type") != "disk")
            continue;
        // limits.max stands for both directions, as upstream.
        std::string read = config_value(cfg, "limits.read"), write = config_value(cfg, "limits.write");
        if (const std::string max = config_value(cfg, "limits.max"); !max.empty())
            read = write = max;
        if (read.empty() && write.empty())
            continue;
        const std::string path = config_value(cfg, "path") == "/" ? inst.volume_path() : config_value(cfg, "source");
        struct stat st;
        if (path.empty() || stat(path.c_str(), &st) != 0)
            continue;
        Throttle &t = out[block_device_under(name, path)];
        if (!read.empty())
            add_rate(name, "limits.read", read, t.read_bps, t.read_iops);
        if (!write.empty())
            add_rate(name, "limits.write", write, t.write_bps, t.write_iops);
    }
    return out;
}

std::string io_max_value(const std::string &block, const Throttle &t) {
    auto field = [](int64_t v) { return v == 0 ? std::string("max") : std::to_string(v); };
    return block + " rbps=" + field(t.read_bps) + " wbps=" + field(t.write_bps) + " riops=" + field(t.read_iops) +
           " wiops=" + field(t.write_iops);
}

// A block device's throttle as cgroup items; with every_field, v1's unset ones too (0 deletes a
// v1 rule, where an item left out would keep it).
void append_items(std::vector<std::pair<std::string, std::string>> &items, bool v2, const std::string &block,
                  const Throttle &t, bool every_field) {
    if (v2) {
        items.emplace_back("io.max", io_max_value(block, t));
        return;
    }
    for (const auto &[item, value] : {std::pair{"blkio.throttle.read_bps_device", t.read_bps},
                                      std::pair{"blkio.throttle.write_bps_device", t.write_bps},
                                      std::pair{"blkio.throttle.read_iops_device", t.read_iops},
                                      std::pair{"blkio.throttle.write_iops_device", t.write_iops}})
        if (value != 0 || every_field)
            items.emplace_back(item, block + " " + std::to_string(value));
}

const char *io_item(bool v2) { return v2 ? "io.max" : "blkio.throttle.read_bps_device"; }

DeviceConfig device_named(const InstanceView &inst, const std::string &device) {
    const lxdp_device_list *devs = inst.raw()->devices;
    for (uint32_t i = 0; devs != nullptr && devs->items != nullptr && i < devs->count; i++)
        if (devs->items[i].name != nullptr && device == devs->items[i].name)
            return device_config(devs->items[i]);
    fail(LXDP_E_NOTFOUND, "Device %s: the instance has no such disk", device.c_str());
}

} // namespace

std::vector<std::pair<std::string, std::string>> disk_io_cgroup_items(const InstanceView &inst) {
    const bool v2 = cgroup2_only();
    std::vector<std::pair<std::string, std::string>> items;
    const Throttles throttles = throttles_of(inst);
    if (throttles.empty() || !controller_available(io_item(v2), v2))
        return items;
    for (const auto &[block, t] : throttles)
        append_items(items, v2, block, t, false);
    return items;
}

void disk_update(const InstanceView &before, const InstanceView &after, const std::string &device) {
    DeviceConfig old = device_named(before, device), now = device_named(after, device);
    for (const char *key : {"limits.read", "limits.write", "limits.max"}) {
        old.erase(key);
        now.erase(key);
    }
    if (old != now)
        fail(LXDP_E_NOTSUP, "Device %s: a disk changes in place only in its limits.read/write/max", device.c_str());
}

void update_disk_io_limits(const Driver &drv, const InstanceView &before, const InstanceView &after) {
    const bool v2 = cgroup2_only();
    const Throttles now = throttles_of(after);
    Throttles was;
    try {
        was = throttles_of(before);
    } catch (const Error &) {
        // What the start applied was valid; a source gone since only hides its block device.
    }
    if (now == was || !controller_available(io_item(v2), v2))
        return;
    std::vector<std::pair<std::string, std::string>> items;
    for (const auto &[block, t] : now)
        if (auto old = was.find(block); old == was.end() || !(old->second == t))
            append_items(items, v2, block, t, true);
    for (const auto &[block, t] : was)
        if (!now.count(block))
            append_items(items, v2, block, Throttle{}, true);
    Container c(drv, after);
    require_running(c);
    for (const auto &[item, value] : items)
        if (!c->set_cgroup_item(c.get(), item.c_str(), value.c_str()))
            fail(LXDP_E_INVAL, "Failed to set %s to \"%s\" on the running instance", item.c_str(), value.c_str());
}

} // namespace lxdp_lxc
