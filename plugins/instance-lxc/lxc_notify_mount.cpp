#include "lxc_notify_mount.h"

#include "lxc_notify_fuse.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <fstream>
#include <optional>
#include <sstream>

namespace lxdp_lxc {

namespace {

constexpr const char *kAllowedKey = "security.syscalls.intercept.mount.allowed";
constexpr const char *kFuseKey = "security.syscalls.intercept.mount.fuse";
constexpr const char *kShiftKey = "security.syscalls.intercept.mount.shift";

// Flags that make mount(2) something else than a new file system (a remount, a bind, a move, a
// propagation change): never done for the caller, though the policy's mask (upstream's) lets a
// few through beside MS_MGC_VAL's bits.
constexpr unsigned long kNotNewFileSystem =
    MS_REMOUNT | MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;

// How long a mount may take (a source or target on a stuck file system): liblxc's monitor gives
// up on our answer after 30 s, and answers every later call of its container only after this one.
constexpr int kMountTimeoutMs = 20000;

// The mount keys a container started with, as its start wrote them.
struct MountPolicy {
    std::string allowed; // comma list of file system types
    std::string fuse;    // comma list of TYPE=FUSE-BINARY
    bool shift = false;
};

bool in_list(const std::string &list, const std::string &item) {
    std::istringstream in(list);
    for (std::string entry; std::getline(in, entry, ',');)
        if (!item.empty() && entry == item)
            return true;
    return false;
}

// How a type is mounted for the caller: nullopt when it is not (it continues to the kernel), ""
// by the kernel for us, else by the FUSE binary named. A malformed .mount.fuse, or a type in both
// lists, leaves every type to the kernel, as upstream's filter does.
std::optional<std::string> how_mounted(const MountPolicy &policy, const std::string &fstype) {
    std::optional<std::string> how;
    std::istringstream entries(policy.fuse);
    for (std::string entry; std::getline(entries, entry, ',');) {
        const size_t eq = entry.find('=');
        if (eq == std::string::npos || entry.find('=', eq + 1) != std::string::npos ||
            in_list(policy.allowed, entry.substr(0, eq)))
            return std::nullopt;
        if (entry.compare(0, eq, fstype) == 0 && eq == fstype.size())
            how = entry.substr(eq + 1);
    }
    if (!how && in_list(policy.allowed, fstype))
        how = "";
    return how;
}

std::optional<MountPolicy> read_policy(std::string_view container_dir) {
    std::ifstream in(std::string(container_dir) + "/" + kMountPolicyFile);
    if (!in)
        return std::nullopt;
    MountPolicy policy;
    for (std::string line; std::getline(in, line);) {
        const size_t eq = line.find('=');
        if (eq == std::string::npos)
            continue;
        const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == kAllowedKey)
            policy.allowed = value;
        else if (key == kFuseKey)
            policy.fuse = value;
        else if (key == kShiftKey)
            policy.shift = parse_bool(value);
    }
    return policy;
}


// security.syscalls.intercept.mount.shift: the caller's new mount at target becomes an idmapped
// mount of its user namespace (a clone of it, idmapped while detached, takes its place), so that
// the disk's root is the container's root. Upstream shifts with shiftfs, or with an idmapped mount
// where the kernel and the file system have them; this kernel has no shiftfs. A file system that
// cannot be idmapped (EINVAL) stays mounted unshifted, as upstream leaves it; any other failure
// takes the mount away again.
int shift_mount(const std::string &target, int userns) {
    UniqueFd tree(open_tree(AT_FDCWD, target.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = uint64_t(userns);
    if (!tree || mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof(attr)) != 0) {
        const int err = errno;
        if (err == EINVAL)
            return 0;
        umount2(target.c_str(), MNT_DETACH);
        return err;
    }
    if (umount2(target.c_str(), MNT_DETACH) != 0)
        return errno;
    return move_mount(tree.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0 ? errno : 0;
}

// The caller's mount(2), done in its context: a source that is a block device is opened first as
// the caller would open it (its permissions, its devices cgroup), as upstream has it opened; with
// shift_userns (not -1), the mount is then idmapped to that user namespace (shift_mount).
int mount_as_caller(const std::optional<std::string> &source, const std::string &target, const std::string &fstype,
                    unsigned long flags, const std::optional<std::string> &data, int shift_userns) {
    struct stat st {};
    if (source && stat(source->c_str(), &st) == 0 && S_ISBLK(st.st_mode)) {
        UniqueFd dev(open(source->c_str(), ((flags & MS_RDONLY) != 0 ? O_RDONLY : O_RDWR) | O_CLOEXEC));
        if (!dev)
            return errno;
    }
    if (mount(source ? source->c_str() : nullptr, target.c_str(), fstype.c_str(), flags, data ? data->c_str() : nullptr) != 0)
        return errno;
    return shift_userns >= 0 ? shift_mount(target, shift_userns) : 0;
}

} // namespace

std::string mount_policy_text(const InstanceView &inst) {
    std::string text;
    for (const char *key : {kAllowedKey, kFuseKey, kShiftKey})
        text += std::string(key) + "=" + std::string(inst.get(key).value_or("")) + "\n";
    return text;
}

void update_mount_policy(const Driver &drv, const InstanceView &before, const InstanceView &after) {
    const std::string text = mount_policy_text(after);
    if (text != mount_policy_text(before))
        write_file(drv.container_dir(after) + "/" + kMountPolicyFile, text);
}

void answer_mount(const seccomp_notif &req, const NotifyCaller &caller, seccomp_notif_resp &resp) {
    const auto &args = req.data.args;
    const unsigned long flags = args[3];
    const auto fstype = args[2] != 0 ? read_string(caller.mem_fd, args[2], PATH_MAX) : std::nullopt;
    const auto policy = read_policy(caller.container_dir);
    const auto how = fstype && policy ? how_mounted(*policy, *fstype) : std::nullopt;
    if ((flags & kNotNewFileSystem) != 0 || !how)
        return continue_in_kernel(resp);
    // Each string as the kernel takes it: paths up to PATH_MAX, the data up to a page.
    const auto source = args[0] != 0 ? read_string(caller.mem_fd, args[0], PATH_MAX) : std::nullopt;
    const auto target = read_string(caller.mem_fd, args[1], PATH_MAX);
    const auto data = args[4] != 0 ? read_string(caller.mem_fd, args[4], size_t(sysconf(_SC_PAGESIZE))) : std::nullopt;
    const auto creds = read_creds(caller.proc_fd);
    // An unreadable string, or a caller without CAP_SYS_ADMIN in its namespace: the kernel's answer.
    if ((args[0] != 0 && !source) || !target || (args[4] != 0 && !data) || !creds || !creds->has(CAP_SYS_ADMIN))
        return continue_in_kernel(resp);
    CallerView view;
    if (int err = open_view(caller.proc_fd, "cwd", view)) {
        resp.error = -err;
        return;
    }
    if (!how->empty()) {
        if (!still_waiting(caller, req.id)) {
            resp.error = -ENOENT;
            return;
        }
        resp.error = -fuse_mount_as_caller(caller.proc_fd, view, *creds,
                                           FuseMount{*how, source.value_or(""), *target, flags, data.value_or("")});
        return;
    }
    const UniqueFd cgroup = open_devices_cgroup(caller.proc_fd);
    const UniqueFd userns(policy->shift ? openat(caller.proc_fd, "ns/user", O_RDONLY | O_CLOEXEC) : -1);
    if (!cgroup || (policy->shift && !userns)) {
        resp.error = -EPERM;
        return;
    }
    if (!still_waiting(caller, req.id)) {
        resp.error = -ENOENT;
        return;
    }
    // A process, not a thread: a thread cannot join a cgroup of its own.
    resp.error = -in_child_process(kMountTimeoutMs, [&] {
        if (write(cgroup.get(), "0", 1) != 1 || setns(view.mnt.get(), CLONE_NEWNS) != 0 ||
            become_caller(view, *creds, CAP_SYS_ADMIN) != 0)
            return EPERM;
        return mount_as_caller(source, *target, *fstype, flags, data, userns.get());
    });
}

} // namespace lxdp_lxc
