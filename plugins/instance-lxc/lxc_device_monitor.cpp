#include "lxc_device_monitor.h"

#include "lxc_hotplug.h"
#include "lxc_passthrough.h"
#include "lxc_uevent.h"
#include "lxc_unix_dev.h"

#include <lxc/lxccontainer.h>

#include <dirent.h>
#include <fcntl.h>
#include <libudev.h>
#include <linux/hidraw.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <tuple>

namespace lxdp_lxc {

namespace {

// How often the thread looks for containers that stopped by themselves.
constexpr int kSweepMs = 10000;

using Udev = std::unique_ptr<udev, udev *(*)(udev *)>;
using Monitor = std::unique_ptr<udev_monitor, udev_monitor *(*)(udev_monitor *)>;
using Device = std::unique_ptr<udev_device, udev_device *(*)(udev_device *)>;

// An lxdp_instance rebuilt from the copies a followed container keeps: its config (the id map)
// and names, which is what making and removing its nodes reads.
class InstanceCopy {
public:
    InstanceCopy(const std::string &project, const std::string &name, const std::string &volume_path,
                 const std::vector<std::pair<std::string, std::string>> &config) {
        for (const auto &[k, v] : config)
            items_.push_back(lxdp_kv{k.c_str(), v.c_str()});
        config_ = lxdp_kv_list{sizeof(lxdp_kv_list), uint32_t(items_.size()), items_.data()};
        inst_ = lxdp_instance{sizeof(lxdp_instance), LXDP_INSTANCE_CONTAINER, project.c_str(), name.c_str(),
                              volume_path.c_str(), &config_, &devices_};
    }
    InstanceCopy(const InstanceCopy &) = delete;
    InstanceCopy &operator=(const InstanceCopy &) = delete;
    InstanceView view() const { return InstanceView(&inst_); }

private:
    std::vector<lxdp_kv> items_;
    lxdp_kv_list config_{};
    lxdp_device_list devices_{sizeof(lxdp_device_list), 0, nullptr};
    lxdp_instance inst_{};
};

std::string hex4(std::string id) {
    // udev and the kernel's PRODUCT drop leading zeros ("46d"); the device keys have four digits.
    while (id.size() < 4)
        id.insert(0, "0");
    return id;
}

std::string property(udev_device *dev, const char *key) {
    const char *v = udev_device_get_property_value(dev, key);
    return v != nullptr ? v : "";
}

// A hidraw node udev gave no ids: the HID device's own, as upstream reads them.
std::optional<std::pair<std::string, std::string>> hidraw_ids(const std::string &devnode) {
    UniqueFd fd(open(devnode.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY));
    hidraw_devinfo info{};
    if (!fd || ioctl(fd.get(), HIDIOCGRAWINFO, &info) != 0)
        return std::nullopt;
    char vendor[8], product[8];
    std::snprintf(vendor, sizeof vendor, "%04x", unsigned(uint16_t(info.vendor)));
    std::snprintf(product, sizeof product, "%04x", unsigned(uint16_t(info.product)));
    return std::make_pair(std::string(vendor), std::string(product));
}

bool exists(const std::string &path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
}

} // namespace

// One plug or unplug that concerns devices of one type.
struct DeviceMonitor::Event {
    bool add = false;
    std::string type; // "usb" or "unix-hotplug"
    HostNode node;
    std::string vendor, product; // empty on an unplug udev reports without ids
    std::vector<std::string> uevent; // "ACTION@DEVPATH", then its properties but SEQNUM
};

std::optional<DeviceMonitor::Event> DeviceMonitor::read_event(udev_device *dev, bool from_kernel) {
    const char *action = udev_device_get_action(dev);
    const char *subsystem = udev_device_get_subsystem(dev);
    const char *devnode = udev_device_get_devnode(dev);
    const dev_t num = udev_device_get_devnum(dev);
    if (action == nullptr || subsystem == nullptr || devnode == nullptr || major(num) == 0)
        return std::nullopt;
    Event e;
    e.add = std::string(action) == "add";
    if (!e.add && std::string(action) != "remove")
        return std::nullopt;
    e.node = HostNode{devnode, major(num), minor(num), std::string(subsystem) == "block"};
    const char *devpath = udev_device_get_devpath(dev);
    e.uevent.push_back(std::string(action) + "@" + (devpath != nullptr ? devpath : ""));
    udev_list_entry *p;
    udev_list_entry_foreach(p, udev_device_get_properties_list_entry(dev)) {
        const char *value = udev_list_entry_get_value(p);
        if (std::strcmp(udev_list_entry_get_name(p), "SEQNUM") != 0)
            e.uevent.push_back(std::string(udev_list_entry_get_name(p)) + "=" + (value != nullptr ? value : ""));
    }
    if (from_kernel) {
        // PRODUCT is "vendor/product/release" in bare hex.
        const std::string product = property(dev, "PRODUCT");
        const size_t a = product.find('/'), b = product.find('/', a == std::string::npos ? a : a + 1);
        if (std::string(subsystem) != "usb" || a == std::string::npos || b == std::string::npos)
            return std::nullopt;
        e.type = "usb";
        e.vendor = hex4(product.substr(0, a));
        e.product = hex4(product.substr(a + 1, b - a - 1));
        return e;
    }
    // USB's own nodes are the usb devices', from the kernel's events.
    if (std::string(subsystem).rfind("usb", 0) == 0)
        return std::nullopt;
    e.type = "unix-hotplug";
    e.vendor = property(dev, "ID_VENDOR_ID");
    e.product = property(dev, "ID_MODEL_ID");
    if (e.add && (e.vendor.empty() || e.product.empty())) {
        const auto ids = std::string(subsystem) == "hidraw" ? hidraw_ids(devnode) : std::nullopt;
        if (!ids)
            return std::nullopt;
        std::tie(e.vendor, e.product) = *ids;
    }
    if (!e.vendor.empty())
        e.vendor = hex4(e.vendor);
    if (!e.product.empty())
        e.product = hex4(e.product);
    return e;
}

DeviceMonitor::~DeviceMonitor() {
    std::lock_guard life(life_);
    stop_locked();
}

void DeviceMonitor::follow(const InstanceView &inst, const std::string &except) {
    const lxdp_instance *raw = inst.raw();
    Followed f;
    f.project = std::string(inst.project());
    f.name = std::string(inst.name());
    f.volume_path = inst.volume_path();
    for (uint32_t i = 0; raw->config != nullptr && raw->config->items != nullptr && i < raw->config->count; i++) {
        const lxdp_kv &kv = raw->config->items[i];
        if (kv.key != nullptr && kv.value != nullptr)
            f.config.emplace_back(kv.key, kv.value);
    }
    const lxdp_device_list *devs = raw->devices;
    for (uint32_t i = 0; devs != nullptr && devs->items != nullptr && i < devs->count; i++) {
        const lxdp_device &d = devs->items[i];
        const DeviceConfig cfg = device_config(d);
        const std::string type = config_value(cfg, "type");
        if (d.name != nullptr && d.name != except && (type == "usb" || type == "unix-hotplug"))
            f.devices.emplace(d.name, cfg);
    }
    update(inst.lxc_name(), f.devices.empty() ? nullptr : &f);
}

void DeviceMonitor::forget(const std::string &lxc_name) { update(lxc_name, nullptr); }

std::vector<DeviceConfig> DeviceMonitor::plugged(const std::string &lxc_name, const std::string &device) const {
    std::lock_guard lock(mu_);
    std::vector<DeviceConfig> out;
    const auto f = followed_.find(lxc_name);
    if (f == followed_.end())
        return out;
    const auto nodes = f->second.plugged.find(device);
    if (nodes != f->second.plugged.end())
        for (const auto &[devnode, cfg] : nodes->second)
            out.push_back(cfg);
    return out;
}

void DeviceMonitor::update(const std::string &lxc_name, const Followed *followed) {
    std::lock_guard life(life_);
    bool none;
    {
        std::lock_guard lock(mu_);
        if (followed == nullptr) {
            followed_.erase(lxc_name);
        } else {
            Followed next = *followed;
            // Nodes plugged in for a device that stays as it was stay recorded.
            if (const auto was = followed_.find(lxc_name); was != followed_.end())
                for (auto &[device, nodes] : was->second.plugged)
                    if (const auto d = next.devices.find(device);
                        d != next.devices.end() && was->second.devices[device] == d->second)
                        next.plugged[device] = std::move(nodes);
            next.generation = ++generations_;
            followed_[lxc_name] = std::move(next);
        }
        keep(lxc_name, followed == nullptr ? nullptr : &followed_[lxc_name]);
        none = followed_.empty();
    }
    if (none)
        stop_locked();
    else
        start_locked();
}

void DeviceMonitor::keep(const std::string &lxc_name, const Followed *followed) const {
    const std::string path = followed_path(drv_, lxc_name);
    try {
        if (followed != nullptr)
            save_followed(path, *followed);
        else if (unlink(path.c_str()) != 0 && errno != ENOENT)
            fail_errno(errno, "Failed to remove %s", path.c_str());
    } catch (const Error &e) {
        drv_.log(LXDP_LOG_WARN, "Instance %s: a restarted daemon may not follow its devices: %s", lxc_name.c_str(),
                 e.what());
    }
}

void DeviceMonitor::resume() {
    DIR *dir = opendir(drv_.lxcpath().c_str());
    if (dir == nullptr)
        return;
    std::unique_ptr<DIR, int (*)(DIR *)> guard(dir, closedir);
    std::vector<std::pair<std::string, Followed>> found;
    while (const dirent *de = readdir(dir)) {
        const std::string lxc_name = de->d_name;
        if (lxc_name == "." || lxc_name == "..")
            continue;
        std::optional<Followed> f = load_followed(followed_path(drv_, lxc_name));
        if (!f)
            continue;
        const InstanceCopy copy(f->project, f->name, f->volume_path, f->config);
        bool running = false;
        try {
            Container c(drv_, copy.view());
            running = copy.view().lxc_name() == lxc_name && c->is_running(c.get());
        } catch (const Error &) {
        }
        if (running)
            found.emplace_back(lxc_name, std::move(*f));
        else // it stopped while no daemon ran
            keep(lxc_name, nullptr);
    }
    if (found.empty())
        return;
    std::lock_guard life(life_);
    {
        std::lock_guard lock(mu_);
        for (auto &[lxc_name, f] : found) {
            f.generation = ++generations_;
            followed_[lxc_name] = std::move(f);
        }
    }
    start_locked();
}

void DeviceMonitor::start_locked() {
    {
        std::lock_guard lock(mu_);
        if (running_)
            return;
    }
    // A thread that ended by itself (none left at a sweep) is joined before the next one.
    if (thread_.joinable())
        thread_.join();
    wake_.reset(eventfd(0, EFD_CLOEXEC));
    if (!wake_) {
        drv_.log(LXDP_LOG_WARN, "Device monitor not started (eventfd: %s): plugged devices will not follow",
                 std::strerror(errno));
        return;
    }
    {
        std::lock_guard lock(mu_);
        running_ = true;
    }
    const int wake = wake_.get();
    thread_ = std::thread([this, wake] { run(wake); });
}

void DeviceMonitor::stop_locked() {
    {
        std::lock_guard lock(mu_);
        running_ = false;
    }
    if (thread_.joinable()) {
        const uint64_t one = 1;
        if (write(wake_.get(), &one, sizeof one) < 0)
            drv_.log(LXDP_LOG_WARN, "Device monitor: failed to wake its thread: %s", std::strerror(errno));
        thread_.join();
    }
    wake_.reset();
}

void DeviceMonitor::run(int wake_fd) {
    Udev u(udev_new(), udev_unref);
    Monitor kernel(u ? udev_monitor_new_from_netlink(u.get(), "kernel") : nullptr, udev_monitor_unref);
    Monitor udevd(u ? udev_monitor_new_from_netlink(u.get(), "udev") : nullptr, udev_monitor_unref);
    if (kernel && (udev_monitor_filter_add_match_subsystem_devtype(kernel.get(), "usb", "usb_device") < 0 ||
                   udev_monitor_enable_receiving(kernel.get()) < 0))
        kernel.reset();
    if (udevd && udev_monitor_enable_receiving(udevd.get()) < 0)
        udevd.reset();
    if (!kernel)
        drv_.log(LXDP_LOG_WARN, "Device monitor: no kernel uevents: plugged USB devices will not follow");
    if (!udevd)
        drv_.log(LXDP_LOG_WARN, "Device monitor: no udev events: plugged unix-hotplug devices will not follow");
    drv_.log(LXDP_LOG_INFO, "Device monitor started");
    pollfd fds[3] = {{wake_fd, POLLIN, 0},
                     {kernel ? udev_monitor_get_fd(kernel.get()) : -1, POLLIN, 0},
                     {udevd ? udev_monitor_get_fd(udevd.get()) : -1, POLLIN, 0}};
    for (;;) {
        const int n = poll(fds, 3, kSweepMs);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (fds[0].revents & POLLIN) != 0)
            break;
        if (n == 0) {
            if (!sweep())
                break;
            continue;
        }
        for (int i = 1; i < 3; i++) {
            if ((fds[i].revents & POLLIN) == 0)
                continue;
            Device dev(udev_monitor_receive_device(i == 1 ? kernel.get() : udevd.get()), udev_device_unref);
            if (!dev)
                continue;
            if (const auto e = read_event(dev.get(), i == 1))
                handle(*e);
        }
    }
    drv_.log(LXDP_LOG_INFO, "Device monitor stopped");
}

void DeviceMonitor::handle(const Event &e) {
    std::vector<Followed> containers;
    {
        std::lock_guard lock(mu_);
        for (const auto &[name, f] : followed_)
            containers.push_back(f);
    }
    for (const Followed &f : containers)
        apply(f, e);
}

void DeviceMonitor::apply(const Followed &f, const Event &e) {
    const InstanceCopy copy(f.project, f.name, f.volume_path, f.config);
    const InstanceView inst = copy.view();
    for (const auto &[device, cfg] : f.devices) {
        if (config_value(cfg, "type") != e.type)
            continue;
        const DeviceConfig node = node_config(cfg, e.node);
        // A plug concerns the devices whose ids select it; an unplug, whatever the ids (udev gives
        // none on removal), those that made a node at its path, at start or at a plug.
        if (e.add ? !ids_match(cfg, e.vendor, e.product) : !exists(unix_node_path(drv_, inst, device, node).node))
            continue;
        try {
            if (e.add)
                unix_node_add(drv_, inst, device.c_str(), node);
            else
                unix_node_remove(drv_, inst, device.c_str(), node);
        } catch (const Error &err) {
            drv_.log(LXDP_LOG_WARN, "Instance %s: device %s: %s was %s but not %s: %s", inst.lxc_name().c_str(),
                     device.c_str(), e.node.devnode.c_str(), e.add ? "plugged in" : "unplugged",
                     e.add ? "added" : "removed", err.what());
            continue;
        }
        drv_.log(LXDP_LOG_INFO, "Instance %s: device %s: %s %s", inst.lxc_name().c_str(), device.c_str(),
                 e.node.devnode.c_str(), e.add ? "plugged in, added" : "unplugged, removed");
        tell(inst, e);
        std::lock_guard lock(mu_);
        const auto now = followed_.find(inst.lxc_name());
        if (now == followed_.end() || !now->second.devices.count(device))
            continue;
        if (e.add)
            now->second.plugged[device][e.node.devnode] = node;
        else
            now->second.plugged[device].erase(e.node.devnode);
        keep(now->first, &now->second);
    }
}

void DeviceMonitor::tell(const InstanceView &inst, const Event &e) const {
    try {
        Container c(drv_, inst);
        const pid_t pid = c->init_pid(c.get());
        if (pid > 0)
            inject_uevent(pid, e.uevent);
    } catch (const Error &err) {
        drv_.log(LXDP_LOG_INFO, "Instance %s: the uevent of %s was not told inside: %s", inst.lxc_name().c_str(),
                 e.node.devnode.c_str(), err.what());
    }
}

bool DeviceMonitor::sweep() {
    std::vector<Followed> containers;
    {
        std::lock_guard lock(mu_);
        for (const auto &[name, f] : followed_)
            containers.push_back(f);
    }
    std::vector<std::pair<std::string, uint64_t>> stopped;
    for (const Followed &f : containers) {
        const InstanceCopy copy(f.project, f.name, f.volume_path, f.config);
        bool running = false;
        try {
            Container c(drv_, copy.view());
            running = c->is_running(c.get());
        } catch (const Error &) {
        }
        if (!running)
            stopped.emplace_back(copy.view().lxc_name(), f.generation);
    }
    std::lock_guard lock(mu_);
    // Not one that started again and follows anew meanwhile.
    for (const auto &[name, generation] : stopped)
        if (const auto f = followed_.find(name); f != followed_.end() && f->second.generation == generation) {
            followed_.erase(f);
            keep(name, nullptr);
        }
    if (followed_.empty())
        running_ = false;
    return running_;
}

} // namespace lxdp_lxc
