// Disks and unix-char/unix-block devices of a running container. The start brings them in with
// liblxc mount entries; a running container gets the same bind mount live: a clone of the source's
// mount tree is made on the host (open_tree) and moved onto the target inside the container's
// mount namespace (move_mount), by a thread that joined it. liblxc's own mount() needs the shared
// mount point (lxc.mount.auto=shmounts) these containers do not have.
#include "lxc_device_cgroup.h"
#include "lxc_device_monitor.h"
#include "lxc_disk.h"
#include "lxc_driver.h"
#include "lxc_hotplug.h"
#include "lxc_limits.h"
#include "lxc_ns.h"
#include "lxc_unix_dev.h"

#include <lxc/lxccontainer.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lxdp_lxc {

namespace {

// What goes where.
struct LiveMount {
    std::string source;
    std::string target; // relative to the container's root
    bool dir = false;
    bool recursive = false;
    bool readonly = false;
};

// Makes the missing directories of target inside the current (container's) root, and target
// itself as a directory or an empty file.
int make_mount_point(const std::string &target, bool dir) {
    for (size_t slash = target.find('/');; slash = target.find('/', slash + 1)) {
        const bool last = slash == std::string::npos;
        const std::string path = "/" + target.substr(0, slash);
        int rc;
        if (!last || dir) {
            rc = mkdir(path.c_str(), 0755);
        } else {
            rc = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
            if (rc >= 0)
                rc = close(rc);
        }
        if (rc != 0 && errno != EEXIST)
            return errno;
        if (last)
            return 0;
    }
}

void mount_into(pid_t pid, const std::string &device, const LiveMount &m, const Idmap &idmap) {
    UniqueFd tree(open_tree(AT_FDCWD, m.source.c_str(),
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m.recursive ? AT_RECURSIVE : 0)));
    if (!tree)
        fail_errno(errno, "Device %s: failed to clone the mount of %s", device.c_str(), m.source.c_str());
    if (m.readonly) {
        struct mount_attr attr = {};
        attr.attr_set = MOUNT_ATTR_RDONLY;
        if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | (m.recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) != 0)
            fail_errno(errno, "Device %s: failed to make %s read-only", device.c_str(), m.source.c_str());
    }
    const uid_t uid = uid_t(idmap.empty() ? 0 : idmap_to_host(idmap, 0, true).value_or(0));
    const gid_t gid = gid_t(idmap.empty() ? 0 : idmap_to_host(idmap, 0, false).value_or(0));
    const std::string what = "Device " + device + ": failed to mount " + m.source + " at /" + m.target;
    in_namespace(pid, CLONE_NEWNS, what.c_str(), [&] {
        // Mount points are made as the container's root would make them: owned by it, and
        // possible at all on the container's own filesystems (its /dev), where host root is no
        // one. The fs ids are the thread's own, so only this thread acts as the container's root.
        setfsuid(uid);
        setfsgid(gid);
        if (int err = make_mount_point(m.target, m.dir); err != 0)
            return err;
        return move_mount(tree.get(), "", AT_FDCWD, ("/" + m.target).c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0 ? errno : 0;
    });
}

// Lazily, as a busy mount must not keep the device in; nothing mounted there is no error.
// remove_point: the file the mount sat on goes too (a device node's place in /dev).
void unmount_from(pid_t pid, const std::string &device, const std::string &target, bool remove_point) {
    const std::string what = "Device " + device + ": failed to unmount /" + target;
    in_namespace(pid, CLONE_NEWNS, what.c_str(), [&] {
        const std::string path = "/" + target;
        if (umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL && errno != ENOENT)
            return errno;
        if (remove_point && unlink(path.c_str()) != 0 && errno != ENOENT)
            return errno;
        return 0;
    });
}

// A container whose device cgroup lists what it allows (the default policy, lxc_device_cgroup.h;
// not "a *:* rwm", which raw.lxc may set) needs a rule for each node. cgroup2 has no list to
// read: liblxc's eBPF program there denies all but what the policy allows too.
bool device_cgroup_restricted(Container &c) {
    char buf[256];
    const int n = c->get_cgroup_item(c.get(), "devices.list", buf, sizeof buf);
    if (n <= 0)
        return cgroup2_only();
    return std::string(buf, size_t(n) < sizeof buf ? size_t(n) : sizeof buf - 1).rfind("a *:* rwm", 0) != 0;
}

struct Running {
    explicit Running(const Driver &drv, const InstanceView &inst) : c(drv, inst) {
        require_running(c);
        pid = c->init_pid(c.get());
    }
    Container c;
    pid_t pid;
};

} // namespace

void disk_add(const Driver &drv, const InstanceView &inst, const lxdp_device &device) {
    const DeviceConfig cfg = device_config(device);
    Running r(drv, inst);
    const Idmap idmap = instance_idmap(inst);
    const auto m = disk_mount(drv, inst, device.name, cfg, idmap, nullptr);
    if (!m)
        return;
    mount_into(r.pid, device.name, LiveMount{m->source, m->target, m->dir, m->recursive, m->readonly}, idmap);
    drv.log(LXDP_LOG_INFO, "Instance %s: disk %s mounted at /%s", inst.lxc_name().c_str(), device.name,
            m->target.c_str());
}

void disk_remove(const Driver &drv, const InstanceView &inst, const lxdp_device &device) {
    const DeviceConfig cfg = device_config(device);
    Running r(drv, inst);
    std::string target = config_value(cfg, "path");
    while (!target.empty() && target.front() == '/')
        target.erase(0, 1);
    if (target.empty() || ("/" + target + "/").find("/../") != std::string::npos)
        fail(LXDP_E_INVAL, "Disk %s: invalid path \"%s\"", device.name, config_value(cfg, "path").c_str());
    unmount_from(r.pid, device.name, target, false);
}

void unix_node_add(const Driver &drv, const InstanceView &inst, const char *device, const DeviceConfig &cfg) {
    Running r(drv, inst);
    const Idmap idmap = instance_idmap(inst);
    const auto n = make_unix_node(drv, inst, device, cfg, idmap);
    if (!n)
        return;
    const bool restricted = device_cgroup_restricted(r.c);
    try {
        if (restricted && !r.c->set_cgroup_item(r.c.get(), "devices.allow", n->cgroup_rule().c_str()))
            fail(LXDP_E_IO, "Device %s: the device cgroup refused \"%s\"", device, n->cgroup_rule().c_str());
        mount_into(r.pid, device, LiveMount{n->node, n->target, false, false, false}, idmap);
    } catch (const Error &) {
        if (restricted && !default_device_allows(n->cgroup_rule()))
            r.c->set_cgroup_item(r.c.get(), "devices.deny", n->cgroup_rule().c_str());
        unlink(n->node.c_str());
        throw;
    }
}

void unix_node_remove(const Driver &drv, const InstanceView &inst, const char *device, const DeviceConfig &cfg) {
    Running r(drv, inst);
    UnixNode n = unix_node_path(drv, inst, device, cfg);
    unmount_from(r.pid, device, n.target, true);
    struct stat st;
    if (lstat(n.node.c_str(), &st) != 0)
        return; // an optional device whose source was missing: nothing went in
    n.major_nr = major(st.st_rdev);
    n.minor_nr = minor(st.st_rdev);
    if (!default_device_allows(n.cgroup_rule()) && device_cgroup_restricted(r.c) &&
        !r.c->set_cgroup_item(r.c.get(), "devices.deny", n.cgroup_rule().c_str()))
        drv.log(LXDP_LOG_WARN, "Instance %s: device %s: the device cgroup refused to deny \"%s\"",
                inst.lxc_name().c_str(), device, n.cgroup_rule().c_str());
    if (unlink(n.node.c_str()) != 0 && errno != ENOENT)
        fail_errno(errno, "Device %s: failed to remove %s", device, n.node.c_str());
}

void unix_add(const Driver &drv, const InstanceView &inst, const lxdp_device &device) {
    const auto nodes = unix_node_configs(device.name, device_config(device));
    for (size_t i = 0; i < nodes.size(); i++) {
        try {
            unix_node_add(drv, inst, device.name, nodes[i]);
        } catch (const Error &) {
            for (size_t j = 0; j < i; j++)
                try {
                    unix_node_remove(drv, inst, device.name, nodes[j]);
                } catch (const Error &e) {
                    drv.log(LXDP_LOG_WARN, "%s", e.what());
                }
            throw;
        }
    }
}

void unix_remove(const Driver &drv, const InstanceView &inst, const lxdp_device &device) {
    std::vector<DeviceConfig> nodes;
    try {
        nodes = unix_node_configs(device.name, device_config(device));
    } catch (const Error &e) {
        // A device the host no longer has: its nodes of the start stay until the container stops.
        if (e.code() != LXDP_E_NOTFOUND)
            throw;
        drv.log(LXDP_LOG_INFO, "%s", e.what());
    }
    // What was plugged in since the device came in and the host no longer lists (each path once).
    for (DeviceConfig &cfg : drv.monitor().plugged(inst.lxc_name(), device.name))
        if (std::none_of(nodes.begin(), nodes.end(), [&](const DeviceConfig &listed) {
                return config_value(listed, "path") == config_value(cfg, "path");
            }))
            nodes.push_back(std::move(cfg));
    for (const DeviceConfig &cfg : nodes)
        unix_node_remove(drv, inst, device.name, cfg);
}

} // namespace lxdp_lxc
