#include "lxc_notify_syscalls.h"

#include "lxc_common.h"
#include "lxc_ns.h"

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

enum class Call { Other, Mknod, Mknodat, Setxattr };

struct ArchCalls {
    uint32_t arch;
    long mknod, mknodat, setxattr;
};

// The intercepted calls' numbers for each architecture a container's process may use on this host
// (an x86_64 host runs i386 binaries too); upstream's table.
constexpr ArchCalls kArchCalls[] = {
#if defined(__x86_64__)
    {AUDIT_ARCH_X86_64, 133, 259, 188},
    {AUDIT_ARCH_I386, 14, 297, 226},
#elif defined(__aarch64__)
    {AUDIT_ARCH_AARCH64, -1, 33, 5},
    {AUDIT_ARCH_ARM, 14, 324, 226},
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

// A NUL-terminated string of fewer than max bytes at addr in the caller's memory; nullopt when it
// is unreadable or longer (the kernel then gives EFAULT or ENAMETOOLONG itself).
std::optional<std::string> read_string(int mem_fd, uint64_t addr, size_t max) {
    std::string buf(max, '\0');
    ssize_t n;
    do
        n = pread(mem_fd, buf.data(), max, off_t(addr));
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return std::nullopt;
    const void *nul = std::memchr(buf.data(), '\0', size_t(n));
    if (nul == nullptr)
        return std::nullopt;
    buf.resize(size_t(static_cast<const char *>(nul) - buf.data()));
    return buf;
}

// Who the caller is for the file system, in the host's ids (what /proc shows the daemon).
struct CallerCreds {
    uid_t fsuid = 0;
    gid_t fsgid = 0;
    std::vector<gid_t> groups;
    mode_t umask = 022;
    uint64_t cap_eff = 0;
};

constexpr size_t kStatusMax = 1 << 20; // Groups: of 65536 groups fits

std::optional<CallerCreds> read_creds(int proc_fd) {
    UniqueFd fd(openat(proc_fd, "status", O_RDONLY | O_CLOEXEC));
    if (!fd)
        return std::nullopt;
    std::string text;
    char chunk[4096];
    for (ssize_t n; text.size() < kStatusMax && (n = read(fd.get(), chunk, sizeof(chunk))) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return std::nullopt;
        text.append(chunk, size_t(n));
    }
    CallerCreds creds;
    int seen = 0;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream in(line);
        std::string key;
        in >> key;
        uint64_t real, eff, saved, fs;
        if (key == "Umask:" && in >> std::oct >> fs) {
            creds.umask = mode_t(fs & 0777);
            seen |= 1;
        } else if (key == "Uid:" && in >> real >> eff >> saved >> fs) {
            creds.fsuid = uid_t(fs);
            seen |= 2;
        } else if (key == "Gid:" && in >> real >> eff >> saved >> fs) {
            creds.fsgid = gid_t(fs);
            seen |= 4;
        } else if (key == "Groups:") {
            for (uint64_t g; in >> g;)
                creds.groups.push_back(gid_t(g));
        } else if (key == "CapEff:" && in >> std::hex >> fs) {
            creds.cap_eff = fs;
            seen |= 8;
        }
    }
    if (seen != 15)
        return std::nullopt;
    return creds;
}

// The caller's root, mount namespace and the directory its relative paths start from, opened
// through its /proc/PID directory (bound to that very process, whatever its pid becomes).
struct CallerView {
    UniqueFd mnt, root, start;
};

// start is "cwd" or "fd/N"; 0 or the errno the kernel gives for such a dirfd.
int open_view(int proc_fd, const std::string &start, CallerView &view) {
    view.mnt.reset(openat(proc_fd, "ns/mnt", O_RDONLY | O_CLOEXEC));
    view.root.reset(openat(proc_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!view.mnt || !view.root)
        return EPERM;
    view.start.reset(openat(proc_fd, start.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!view.start)
        return errno == ENOENT ? EBADF : errno;
    return 0;
}

// Leaves the calling thread only cap (-1: none) in its effective set.
bool keep_only_capability(int cap) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (syscall(SYS_capget, &header, data) != 0)
        return false;
    for (auto &d : data)
        d.effective = 0;
    if (cap >= 0)
        data[cap / 32].effective = data[cap / 32].permitted & (1u << (cap % 32));
    return syscall(SYS_capset, &header, data) == 0;
}

// Runs op in a thread of its own inside the caller's mount namespace, rooted at its root and in
// its start directory, with its fsuid, fsgid, groups and umask and only cap of the daemon's
// capabilities: paths resolve as the caller's would (absolute ones and ".." stay in its root,
// host paths are not there to reach), permissions are checked as for the caller. Raw system
// calls, as glibc would apply setgroups to every thread of the daemon.
int as_caller(const CallerView &view, const CallerCreds &creds, int cap, const std::function<int()> &op) {
    bool ready = false;
    const int err = in_namespace_fd(view.mnt.get(), CLONE_NEWNS, [&] {
        if (fchdir(view.root.get()) != 0 || chroot(".") != 0 || fchdir(view.start.get()) != 0)
            return errno;
        umask(creds.umask);
        if (syscall(SYS_setgroups, creds.groups.size(), creds.groups.data()) != 0)
            return errno;
        syscall(SYS_setfsgid, creds.fsgid);
        syscall(SYS_setfsuid, creds.fsuid);
        // setfs[ug]id say nothing of a failure: asked again, they tell the current one.
        if (gid_t(syscall(SYS_setfsgid, -1)) != creds.fsgid || uid_t(syscall(SYS_setfsuid, -1)) != creds.fsuid)
            return EPERM;
        if (!keep_only_capability(cap))
            return errno;
        ready = true;
        return op();
    });
    // A failure of ours before the call is not the caller's: it gets EPERM, as upstream's.
    return ready || err == 0 ? err : EPERM;
}

// Whether the notification still waits for its answer: checked after everything about the caller
// was opened and read, so none of it came from another process that took its pid.
bool still_waiting(const NotifyCaller &caller, uint64_t id) {
    return ioctl(caller.notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

void continue_in_kernel(seccomp_notif_resp &resp) {
    resp.error = 0;
    resp.val = 0;
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
}

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
        (!whiteout && (creds->cap_eff & (1ull << CAP_MKNOD)) == 0))
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
    const int cap = (creds->cap_eff & (1ull << CAP_MKNOD)) != 0 ? CAP_MKNOD : -1;
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
        (creds->cap_eff & (1ull << CAP_SYS_ADMIN)) == 0)
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
    case Call::Other:
        break;
    }
    continue_in_kernel(resp);
}

} // namespace lxdp_lxc
