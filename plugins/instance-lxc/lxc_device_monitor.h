// Host devices plugged in and out while containers run, followed by the containers' usb and
// unix-hotplug devices as upstream's (lxd/devices.go, lxd/device/usb.go, unix_hotplug.go): one
// libudev monitor for the driver, on a thread of its own, running while at least one container
// follows a device. The kernel's uevents of USB devices (needing no udev) serve usb devices;
// udev's events, which carry the ID_VENDOR_ID/ID_MODEL_ID udev adds, serve unix-hotplug devices.
// A node plugged in goes into each container whose device selects it, as at start; one unplugged
// goes out of each container it was in; each is told of it by the uevent, as upstream's.
#pragma once

#include "lxc_common.h"
#include "lxc_followed.h"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

struct udev_device;

namespace lxdp_lxc {

class DeviceMonitor {
public:
    explicit DeviceMonitor(const Driver &drv) : drv_(drv) {}
    ~DeviceMonitor();
    DeviceMonitor(const DeviceMonitor &) = delete;
    DeviceMonitor &operator=(const DeviceMonitor &) = delete;

    // The running container inst follows its usb and unix-hotplug devices from now on, all but
    // except; a container with none is forgotten. Replaces what it followed before.
    void follow(const InstanceView &inst, const std::string &except = "");
    // The container follows no device any more (it stopped).
    void forget(const std::string &lxc_name);
    // At the driver's open: the containers that kept running while the daemon was down follow
    // what they followed before, from the copies in their directories (lxc_followed.h).
    void resume();
    // The node configs of what plugs brought into the container for device, which removing the
    // device takes out with the nodes of the start.
    std::vector<DeviceConfig> plugged(const std::string &lxc_name, const std::string &device) const;

private:
    // What acting on one container needs, copied from the call that made it follow.
    using Followed = FollowedContainer;
    struct Event;

    // What an event of the kernel's (a USB device) or of udev's (any other device udev
    // identified) is for, as upstream reads them; nullopt for what no device follows.
    static std::optional<Event> read_event(udev_device *dev, bool from_kernel);

    void update(const std::string &lxc_name, const Followed *followed);
    // Keeps the copy of what the container follows in its directory, or removes it (nullptr);
    // a failure is logged: the container still follows until the daemon stops.
    void keep(const std::string &lxc_name, const Followed *followed) const;
    void start_locked();
    void stop_locked();
    void run(int wake_fd);
    void handle(const Event &e);
    // Brings the node of a plug into the container f, or takes that of an unplug out.
    void apply(const Followed &f, const Event &e);
    // Tells the container's own listeners (its udev) of the plug, as upstream does (lxc_uevent.h);
    // a kernel without uevent injection, or a container gone meanwhile, leaves it untold (logged).
    void tell(const InstanceView &inst, const Event &e) const;
    // Forgets the containers that stopped without the driver stopping them (a halt inside);
    // false once none is left.
    bool sweep();

    const Driver &drv_;
    std::mutex life_; // the thread's start and stop
    mutable std::mutex mu_;
    std::map<std::string, Followed> followed_; // by liblxc name
    uint64_t generations_ = 0;
    bool running_ = false;                     // the thread runs and serves followed_
    std::thread thread_;
    UniqueFd wake_; // an eventfd that tells the thread to stop
};

} // namespace lxdp_lxc
