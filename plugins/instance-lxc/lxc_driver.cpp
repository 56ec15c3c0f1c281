#include "lxc_driver.h"
#include "lxc_device_monitor.h"

#include "lxc_config.h"
#include "lxc_forkstart.h"
#include "lxc_idmap.h"
#include "lxc_notify_server.h"
#include "lxc_seccomp.h"
#include "lxc_unix_dev.h"

#include <lxc/lxccontainer.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <memory>
#include <string>
#include <vector>

namespace lxdp_lxc {

// Here rather than in lxc_common.cpp with the rest of Driver: the device monitor and the
// notify server it owns are services of the whole plugin, which lxc_common.cpp's other users
// (the idmap fuzz target) neither need nor link.
Driver::Driver(const lxdp_host_api *host, std::string lxcpath)
    : host_(host), lxcpath_(std::move(lxcpath)), monitor_(std::make_unique<DeviceMonitor>(*this)),
      notify_server_(std::make_unique<NotifyServer>(*this)) {}

Driver::~Driver() = default;

namespace {

constexpr int kStartTimeoutS = 30;
constexpr int kForceStopTimeoutS = 30;

void emit(const lxdp_kv_sink *out, const char *key, const std::string &value) {
    if (out != nullptr && out->set != nullptr)
        out->set(out->ctx, key, value.c_str());
}

// The volume directory is 0100, as upstream's instance mountpoints: only its owner may cross it
// to reach rootfs/, whose setuid files and device nodes no host user may use. The owner is the
// container's root (without idmapped mounts liblxc mounts rootfs/ as that user), host root for
// a privileged container.
void restrict_volume_dir(const InstanceView &inst, const Idmap &target) {
    UniqueFd vol(open(inst.volume_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct stat st;
    if (!vol || fstat(vol.get(), &st) != 0)
        fail_errno(errno, "Failed to open the instance volume %s", inst.volume_path().c_str());
    const uid_t owner = target.empty() ? 0 : uid_t(idmap_to_host(target, 0, true).value_or(0));
    if (st.st_uid != owner && fchown(vol.get(), owner, gid_t(-1)) != 0)
        fail_errno(errno, "Failed to give %s to the container's root", inst.volume_path().c_str());
    if ((st.st_mode & 07777) != 0100 && fchmod(vol.get(), 0100) != 0)
        fail_errno(errno, "Failed to restrict %s to the container's root", inst.volume_path().c_str());
}

void sync_idmap(const Driver &drv, const InstanceView &inst, const Idmap &target, const lxdp_kv_sink *out,
                lxdp_op *op) {
    shift_rootfs(drv, inst.volume_path(), disk_idmap(inst), target, op);
    restrict_volume_dir(inst, target);
    std::string json = idmap_to_json(target);
    emit(out, "volatile.idmap.base", std::to_string(idmap_base(target)));
    emit(out, "volatile.idmap.current", json);
    emit(out, "volatile.idmap.next", json);
    emit(out, "volatile.last_state.idmap", json);
}

// The errors at the end of lxc.log, so that a failed start says why. liblxc logs cleanup
// warnings after the error that matters, so ERROR lines are picked out first.
std::string log_tail(const std::string &path) {
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return "(no lxc.log)";
    off_t end = lseek(fd.get(), 0, SEEK_END);
    off_t start = end > 8192 ? end - 8192 : 0;
    std::string buf(size_t(end - start), '\0');
    ssize_t n = pread(fd.get(), buf.data(), buf.size(), start);
    buf.resize(n > 0 ? size_t(n) : 0);
    std::vector<std::string> errors, all;
    for (size_t pos = 0; pos < buf.size();) {
        size_t nl = buf.find('\n', pos);
        std::string line = buf.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? buf.size() : nl + 1;
        // Drop the timestamp: "lxc 20261128031944.937 ERROR ..." -> "ERROR ...".
        if (size_t sp = line.find(' ', 4); line.rfind("lxc ", 0) == 0 && sp != std::string::npos)
            line = line.substr(sp + 1);
        if (line.find("ERROR") != std::string::npos)
            errors.push_back(line);
        all.push_back(std::move(line));
    }
    const std::vector<std::string> &pick = errors.empty() ? all : errors;
    std::string out;
    for (size_t i = pick.size() > 3 ? pick.size() - 3 : 0; i < pick.size(); i++)
        out += (out.empty() ? "" : " | ") + pick[i];
    // liblxc defers to shadow's setuid helpers whenever they are on PATH, and they only grant
    // root the ranges /etc/subuid lists (spec: "they must be configured to allow the root user").
    if (out.find("newuidmap") != std::string::npos || out.find("newgidmap") != std::string::npos)
        out = "newuidmap/newgidmap are installed: give root the container's range in /etc/subuid and "
              "/etc/subgid (e.g. root:1000000:1000000000). " + out;
    return out.empty() ? "(empty lxc.log)" : out;
}

void remove_tree_at(int dirfd, const char *name) {
    UniqueFd fd(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (fd) {
        DIR *dir = fdopendir(fd.release());
        if (dir == nullptr)
            fail_errno(errno, "Failed to read %s", name);
        std::unique_ptr<DIR, int (*)(DIR *)> guard(dir, closedir);
        while (struct dirent *de = readdir(dir)) {
            if (std::strcmp(de->d_name, ".") != 0 && std::strcmp(de->d_name, "..") != 0)
                remove_tree_at(::dirfd(dir), de->d_name);
        }
        if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
            fail_errno(errno, "Failed to remove %s", name);
        return;
    }
    if (errno == ENOENT)
        return;
    if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
        fail_errno(errno, "Failed to remove %s", name);
}

// The cgroup directories this process lives in, one per mounted hierarchy (v1 and v2).
std::vector<std::string> own_cgroup_dirs() {
    std::vector<std::pair<std::string, std::string>> own; // controllers, path
    std::ifstream cg("/proc/self/cgroup");
    for (std::string line; std::getline(cg, line);) {
        size_t a = line.find(':'), b = line.find(':', a + 1);
        if (a != std::string::npos && b != std::string::npos)
            own.emplace_back(line.substr(a + 1, b - a - 1), line.substr(b + 1));
    }
    std::vector<std::string> dirs;
    std::ifstream mi("/proc/self/mountinfo");
    for (std::string line; std::getline(mi, line);) {
        std::istringstream in(line);
        std::string id, parent, dev, root, mnt, field;
        in >> id >> parent >> dev >> root >> mnt;
        while (in >> field && field != "-") {
        }
        std::string fstype, source, opts;
        in >> fstype >> source >> opts;
        if (fstype != "cgroup" && fstype != "cgroup2")
            continue;
        for (const auto &[controllers, path] : own) {
            bool match = fstype == "cgroup2" ? controllers.empty() : !controllers.empty();
            for (size_t pos = 0; match && pos < controllers.size();) {
                size_t comma = controllers.find(',', pos);
                std::string c = controllers.substr(pos, comma == std::string::npos ? comma : comma - pos);
                match = ("," + opts + ",").find("," + c + ",") != std::string::npos;
                pos = comma == std::string::npos ? controllers.size() : comma + 1;
            }
            if (match && path.rfind(root, 0) == 0)
                dirs.push_back(mnt + (root == "/" ? path : path.substr(root.size())));
        }
    }
    return dirs;
}

// liblxc 5.0 cannot rmdir the monitor's cgroup on v1 hierarchies while the monitor still sits in
// it, so every start leaves an empty lxc.monitor.<name>[-N] behind and the next start picks the
// next suffix (beside the cgroup of lxdp-forkstart, which is the daemon's). rmdir only ever
// removes empty cgroups, so a running monitor's stays untouched.
void remove_stale_monitor_cgroups(const std::string &name) {
    const std::string prefix = "lxc.monitor." + name;
    for (const std::string &dir : own_cgroup_dirs()) {
        DIR *d = opendir(dir.c_str());
        if (d == nullptr)
            continue;
        std::unique_ptr<DIR, int (*)(DIR *)> guard(d, closedir);
        while (struct dirent *de = readdir(d)) {
            std::string_view entry = de->d_name;
            if (entry.substr(0, prefix.size()) != prefix)
                continue;
            std::string_view suffix = entry.substr(prefix.size());
            if (suffix.empty() || (suffix.size() > 1 && suffix[0] == '-' &&
                                   suffix.find_first_not_of("0123456789", 1) == std::string_view::npos))
                unlinkat(::dirfd(d), de->d_name, AT_REMOVEDIR);
        }
    }
}

void require_stopped(Container &c) {
    if (c->is_running(c.get()))
        fail(LXDP_E_INSTANCE_RUNNING, "The instance is already running");
}

std::optional<int64_t> cgroup_int(Container &c, std::initializer_list<const char *> keys) {
    for (const char *key : keys) {
        char buf[4096];
        int n = c->get_cgroup_item(c.get(), key, buf, sizeof(buf));
        if (n <= 0 || size_t(n) >= sizeof(buf))
            continue;
        buf[n] = '\0';
        if (std::strcmp(key, "cpu.stat") == 0) {
            // cgroup2: "usage_usec N" in microseconds.
            const char *p = std::strstr(buf, "usage_usec ");
            if (p != nullptr)
                return std::strtoll(p + 11, nullptr, 10) * 1000;
            continue;
        }
        return std::strtoll(buf, nullptr, 10);
    }
    return std::nullopt;
}

// Whether nothing listens on the container's command socket, the abstract "@LXCPATH/NAME/command"
// that liblxc's monitor binds and list_active_containers() looks for: then the container is
// stopped, known without lxc_container_new parsing its config (most of a list's cost per stopped
// instance). Only a refused connection counts; a name too long for an abstract address (liblxc
// hashes those) or any other error leaves the answer to liblxc.
bool monitor_absent(const std::string &lxcpath, const std::string &name) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = lxcpath + "/" + name + "/command";
    if (path.size() + 1 >= sizeof(addr.sun_path))
        return false;
    std::memcpy(addr.sun_path + 1, path.data(), path.size());
    UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        return false;
    const auto len = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + path.size());
    return connect(fd.get(), reinterpret_cast<const sockaddr *>(&addr), len) != 0 && errno == ECONNREFUSED;
}

} // namespace

void require_running(Container &c) {
    if (!c->is_running(c.get()))
        fail(LXDP_E_INSTANCE_NOT_RUNNING, "The instance isn't running");
}

void instance_create(const Driver &drv, const InstanceView &inst, const lxdp_kv_sink *volatile_out, lxdp_op *op) {
    validate_config(inst);
    sync_idmap(drv, inst, instance_idmap(inst), volatile_out, op);
}

void instance_start(const Driver &drv, const InstanceView &inst, const lxdp_kv_sink *volatile_out, lxdp_op *op) {
    Container c(drv, inst);
    require_stopped(c);
    // liblxc's monitor connects at start and the start fails when nothing listens; before
    // anything is set up, so that a kernel without seccomp notifications changes nothing.
    if (seccomp_intercepts(inst))
        drv.notify_server().listen();
    Idmap idmap = instance_idmap(inst);
    sync_idmap(drv, inst, idmap, volatile_out, op);

    const lxdp_device_list *devs = inst.raw()->devices;
    for (uint32_t i = 0; devs != nullptr && devs->items != nullptr && i < devs->count; i++) {
        const lxdp_device &d = devs->items[i];
        const std::string type = config_value(device_config(d), "type");
        if (type != "disk" && type != "nic" && type != "unix-char" && type != "unix-block" && type != "usb" &&
            type != "unix-hotplug" && type != "gpu" && type != "infiniband" && type != "none")
            drv.log(LXDP_LOG_WARN, "Instance %s: device %s of type %s is not supported yet, ignored",
                    inst.lxc_name().c_str(), d.name != nullptr ? d.name : "?", type.c_str());
    }

    std::string log = drv.container_dir(inst) + "/lxc.log";
    // Keep one previous log, as upstream does, so a failure message names this start only.
    // Before the config: setting lxc.log.file opens the file.
    if (rename(log.c_str(), (log + ".old").c_str()) != 0 && errno != ENOENT)
        fail_errno(errno, "Failed to rotate %s", log.c_str());
    const std::vector<Nic> nics = instance_nics(inst);
    write_lxc_config(drv, inst, idmap, nics, c);
    prepare_nic_undo(drv, inst, nics);
    setup_nic_filters(drv, inst, nics);
    try {
        prepare_nic_interfaces(drv, nics);
    } catch (const Error &) {
        run_nic_stop_hook(drv, inst);
        throw;
    }

    remove_stale_monitor_cgroups(inst.lxc_name());
    if (std::string why; !forkstart(drv, inst, why)) {
        // A helper killed at its timeout may have left a monitor behind.
        if (c->is_running(c.get()))
            c->stop(c.get());
        run_nic_stop_hook(drv, inst);
        fail(LXDP_E_IO, "Failed to start %s: %s%s", inst.lxc_name().c_str(), why.empty() ? "" : (why + " | ").c_str(),
             log_tail(log).c_str());
    }
    if (!c->wait(c.get(), "RUNNING", kStartTimeoutS)) {
        std::string tail = log_tail(log);
        c->stop(c.get());
        run_nic_stop_hook(drv, inst);
        fail(LXDP_E_IO, "Instance %s did not reach RUNNING: %s", inst.lxc_name().c_str(), tail.c_str());
    }
    try {
        setup_nic_host_sides(drv, nics);
    } catch (const Error &) {
        c->stop(c.get());
        run_nic_stop_hook(drv, inst);
        throw;
    }
    report_nics(nics, volatile_out);
    drv.monitor().follow(inst);
    drv.log(LXDP_LOG_INFO, "Started %s (init pid %d)", inst.lxc_name().c_str(), c->init_pid(c.get()));
}

void instance_stop(const Driver &drv, const InstanceView &inst, bool force, int32_t timeout_s) {
    Container c(drv, inst);
    require_running(c);
    if (force) {
        if (!c->stop(c.get()) && c->is_running(c.get()))
            fail(LXDP_E_IO, "Failed to stop %s: %s", inst.lxc_name().c_str(),
                 log_tail(drv.container_dir(inst) + "/lxc.log").c_str());
        if (!c->wait(c.get(), "STOPPED", kForceStopTimeoutS))
            fail(LXDP_E_BUSY, "Instance %s did not stop after SIGKILL", inst.lxc_name().c_str());
    } else {
        // A frozen init cannot react to the halt signal.
        if (std::strcmp(c->state(c.get()), "FROZEN") == 0)
            c->unfreeze(c.get());
        if (!c->shutdown(c.get(), timeout_s < 0 ? -1 : timeout_s) && c->is_running(c.get()))
            fail(LXDP_E_BUSY, "Instance %s did not shut down within %d seconds", inst.lxc_name().c_str(),
                 timeout_s);
    }
    // The stop hook undid the NICs' host-side setup already, unless it could not run.
    run_nic_stop_hook(drv, inst);
    drv.monitor().forget(inst.lxc_name());
}

void instance_freeze(const Driver &drv, const InstanceView &inst, bool freeze) {
    Container c(drv, inst);
    require_running(c);
    bool ok = freeze ? c->freeze(c.get()) : c->unfreeze(c.get());
    if (!ok)
        fail(LXDP_E_IO, "Failed to %s %s", freeze ? "freeze" : "unfreeze", inst.lxc_name().c_str());
}

void instance_remove(const Driver &drv, const InstanceView &inst) {
    {
        Container c(drv, inst);
        require_stopped(c);
    }
    run_nic_stop_hook(drv, inst);
    UniqueFd base(open(drv.lxcpath().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!base)
        fail_errno(errno, "Failed to open %s", drv.lxcpath().c_str());
    remove_tree_at(base.get(), inst.lxc_name().c_str());
    remove_unix_devices(drv, inst);
    remove_stale_monitor_cgroups(inst.lxc_name());
}

void instance_rename(const Driver &drv, const InstanceView &inst, const char *new_name) {
    if (new_name == nullptr)
        fail(LXDP_E_INVAL, "Missing new instance name");
    lxdp_instance renamed = *inst.raw();
    renamed.name = new_name;
    InstanceView target(&renamed);
    {
        Container c(drv, inst);
        require_stopped(c);
    }
    // The device nodes are made afresh under the new name at the next start.
    remove_unix_devices(drv, inst);
    std::string from = drv.container_dir(inst);
    std::string to = drv.container_dir(target);
    struct stat st;
    if (lstat(to.c_str(), &st) == 0)
        fail(LXDP_E_EXISTS, "%s already exists", to.c_str());
    if (rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT)
        fail_errno(errno, "Failed to rename %s to %s", from.c_str(), to.c_str());
    // The config inside still names the old directory (lxc.log.file among others): loading it
    // would make liblxc recreate the old one. It is regenerated at the next start, so drop it.
    if (unlink((to + "/config").c_str()) != 0 && errno != ENOENT)
        fail_errno(errno, "Failed to remove the stale liblxc config of %s", to.c_str());
}

void instance_state(const Driver &drv, const InstanceView &inst, lxdp_instance_state *state) {
    state->status = LXDP_STATE_STOPPED;
    state->pid = 0;
    state->processes = -1;
    state->memory_usage = -1;
    state->memory_usage_peak = -1;
    state->cpu_usage_ns = -1;
    if (monitor_absent(drv.lxcpath(), inst.lxc_name()))
        return;
    Container c(drv, inst);
    if (!c->is_running(c.get()))
        return;
    const char *s = c->state(c.get());
    state->status = s != nullptr && std::strcmp(s, "FROZEN") == 0 ? LXDP_STATE_FROZEN : LXDP_STATE_RUNNING;
    state->pid = c->init_pid(c.get());
    state->processes = cgroup_int(c, {"pids.current"}).value_or(-1);
    state->memory_usage = cgroup_int(c, {"memory.usage_in_bytes", "memory.current"}).value_or(-1);
    state->memory_usage_peak = cgroup_int(c, {"memory.max_usage_in_bytes", "memory.peak"}).value_or(-1);
    state->cpu_usage_ns = cgroup_int(c, {"cpuacct.usage", "cpu.stat"}).value_or(-1);
}

} // namespace lxdp_lxc
