#include "lxc_notify_syscalls.h"

#include "lxc_notify_mount.h"


#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace lxdp_lxc {

namespace {

enum class Call { Other, Mknod, Mknodat, Setxattr, Mount };

struct ArchCalls {
    uint32_t arch;
    long mknod, mknodat, setxattr, mount;
};

// The intercepted calls' numbers for each architecture a container's process may use on this host
// (an x86_64 host runs i386 binaries too); upstream's table.
constexpr ArchCalls kArchCalls[] = {
#if defined(__x86_64__)
    {AUDIT_ARCH_X86_64, 133, 259, 188, 165},
    {AUDIT_ARCH_I386, 14, 297, 226, 21},
#elif defined(__aarch64__)
    {AUDIT_ARCH_AARCH64, -1, 33, 5, 40},
    {AUDIT_ARCH_ARM, 14, 324, 226, 21},
#endif
};

Call call_of(const seccomp_data &data) {
    for (const ArchCalls &a : kArchCalls) {
        if (a.arch != data.arch)
            continue;
        if (data.nr == a.mknod)
            return Call::Mknod;
        if (data.nr == a.mknodat)
            return Call::Mknodat;
        if (data.nr == a.setxattr)
            return Call::Setxattr;
        if (data.nr == a.mount)
            return Call::Mount;
    }
    return Call::Other;
}

// The spec's list: the overlayfs whiteout, /dev/console, full, null, random, tty, urandom, zero.
bool device_allowed(dev_t dev) {
    static const dev_t kAllowed[] = {makedev(0, 0), makedev(5, 1), makedev(1, 7), makedev(1, 3),
                                     makedev(1, 8), makedev(5, 0), makedev(1, 9), makedev(1, 5)};
    for (dev_t allowed : kAllowed)
        if (dev == allowed)
            return true;
    return false;
}

// The kernel's decoding of mknod's 32-bit device argument (new_decode_dev).
dev_t decode_dev(unsigned raw) { return makedev((raw & 0xfff00) >> 8, (raw & 0xff) | ((raw >> 12) & 0xfff00)); }

// mknod(path, mode, dev) or mknodat(dirfd, path, mode, dev): the allowed character devices only.
void answer_mknod(const seccomp_notif &req, const NotifyCaller &caller, seccomp_notif_resp &resp, int32_t dirfd,
                  uint64_t path_addr, uint64_t mode_arg, uint64_t dev_arg) {
    const mode_t mode = mode_t(mode_arg);
    const unsigned dev_raw = unsigned(dev_arg);
    const dev_t dev = decode_dev(dev_raw);
    const auto path = read_string(caller.mem_fd, path_addr, PATH_MAX);
    const auto creds = read_creds(caller.proc_fd);
    const bool whiteout = dev == makedev(0, 0);
    // Block devices, other character devices, a caller without CAP_MKNOD in its namespace (a
    // whiteout needs none), an unreadable path: the kernel's own answer (EPERM, EFAULT, ...).
    if (!S_ISCHR(mode) || !device_allowed(dev) || !path || !creds ||
        (!whiteout && !creds->has(CAP_MKNOD)))
        return continue_in_kernel(resp);
    CallerView view;
    const std::string start = dirfd == AT_FDCWD ? "cwd" : "fd/" + std::to_string(dirfd);
    if (int err = open_view(caller.proc_fd, path->empty() || path->front() == '/' ? "cwd" : start, view)) {
        resp.error = -err;
        return;
    }
    if (!still_waiting(caller, req.id)) {
        resp.error = -ENOENT;
        return;
    }
    const int cap = creds->has(CAP_MKNOD) ? CAP_MKNOD : -1;
    resp.error = -as_caller(view, *creds, cap, [&] {
        const size_t slash = path->find_last_of('/');
        const std::string base = slash == std::string::npos ? *path : path->substr(slash + 1);
        // "" and a trailing slash: the kernel's refusal as it is.
        if (base.empty())
            return syscall(SYS_mknodat, AT_FDCWD, path->c_str(), mode, dev_raw) == 0 ? 0 : errno;
        const std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path->substr(0, slash);
        UniqueFd dir(openat(AT_FDCWD, parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!dir)
            return errno;
        // A node on a nodev mount could never be opened: refused as upstream does.
        struct statfs fs {};
        if (!whiteout && (fstatfs(dir.get(), &fs) != 0 || (fs.f_flags & ST_NODEV) != 0))
            return EPERM;
        return syscall(SYS_mknodat, dir.get(), base.c_str(), mode, dev_raw) == 0 ? 0 : errno;
    });
}

// setxattr(path, name, value, 1, flags): trusted.overlay.opaque = "y" only.
void answer_setxattr(const seccomp_notif &req, const NotifyCaller &caller, seccomp_notif_resp &resp) {
    constexpr const char *kOpaque = "trusted.overlay.opaque";
    const auto &args = req.data.args;
    const auto name = read_string(caller.mem_fd, args[1], XATTR_NAME_MAX + 1);
    char value = 0;
    const bool one_byte = args[3] == 1 && pread(caller.mem_fd, &value, 1, off_t(args[2])) == 1;
    const auto path = read_string(caller.mem_fd, args[0], PATH_MAX);
    const auto creds = read_creds(caller.proc_fd);
    // Any other attribute, or a caller without CAP_SYS_ADMIN in its namespace: the kernel's answer.
    if (!one_byte || value != 'y' || !name || *name != kOpaque || !path || !creds ||
        !creds->has(CAP_SYS_ADMIN))
        return continue_in_kernel(resp);
    CallerView view;
    if (int err = open_view(caller.proc_fd, "cwd", view)) {
        resp.error = -err;
        return;
    }
    if (!still_waiting(caller, req.id)) {
        resp.error = -ENOENT;
        return;
    }
    const int flags = int(args[4]);
    resp.error = -as_caller(view, *creds, CAP_SYS_ADMIN,
                            [&] { return setxattr(path->c_str(), kOpaque, "y", 1, flags) == 0 ? 0 : errno; });
}

} // namespace

void answer_notification(const seccomp_notif &req, const NotifyCaller &caller, seccomp_notif_resp &resp) {
    resp.val = 0;
    resp.error = 0;
    resp.flags = 0;
    const auto &args = req.data.args;
    switch (call_of(req.data)) {
    case Call::Mknod:
        return answer_mknod(req, caller, resp, AT_FDCWD, args[0], args[1], args[2]);
    case Call::Mknodat:
        return answer_mknod(req, caller, resp, int32_t(args[0]), args[1], args[2], args[3]);
    case Call::Setxattr:
        return answer_setxattr(req, caller, resp);
    case Call::Mount:
        return answer_mount(req, caller, resp);
    case Call::Other:
        break;
    }
    continue_in_kernel(resp);
}

} // namespace lxdp_lxc
