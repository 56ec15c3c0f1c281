#include "util/KernelFeatures.h"

#include "util/ClosingFd.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <future>
#include <string>
#include <thread>

namespace lxdp::util {
namespace {

// Addresses of other network namespaces' interfaces through netlink (IFA_TARGET_NETNSID) came
// with strict checking of netlink requests (4.20), which upstream's probe ends on. Upstream first
// gives its host namespace an id from a namespace it unshares; a daemon thread is not moved into
// another namespace for that, and every kernel with strict checking can do it.
bool netnsidGetifaddrs() {
    const ClosingFd sock{::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)};
    const int one = 1;
    return sock.fd >= 0 && ::setsockopt(sock.fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof one) == 0;
}

// Uevents can be injected when the kernel's uevent socket takes messages (4.18): before that a
// send to it is refused (ECONNREFUSED). The message sent carries no NLM_F_REQUEST, so the kernel
// skips it: unlike upstream's probe, no stray uevent reaches the host's listeners.
bool ueventInjection() {
    const ClosingFd sock{::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT)};
    if (sock.fd < 0) return false;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;  // nl_pid 0: the kernel
    nlmsghdr skipped{};
    skipped.nlmsg_len = sizeof skipped;
    return ::sendto(sock.fd, &skipped, sizeof skipped, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) ==
           static_cast<ssize_t>(sizeof skipped);
}

// File capabilities that name the root of a user namespace (v3, 4.14): such a kernel checks the
// format of security.capability when it is set, so it takes a well-formed v3 value and refuses a
// v3 value of v2's size, where an older one stores whatever it is given (and only fails at exec,
// which upstream's probe runs). Tried on an unlinked file of /tmp, as upstream's.
bool unprivFscaps() {
    char path[] = "/tmp/.lxdp_fcaps_v3_XXXXXX";
    const ClosingFd file{::mkostemp(path, O_CLOEXEC)};
    if (file.fd < 0) return false;
    ::unlink(path);
    vfs_ns_cap_data caps{};
    caps.magic_etc = VFS_CAP_REVISION_3 | VFS_CAP_FLAGS_EFFECTIVE;
    caps.rootid = 1000000;  // any id but 0 of the host's namespace
    const bool wellFormedTaken = ::fsetxattr(file.fd, "security.capability", &caps, XATTR_CAPS_SZ_3, 0) == 0;
    const bool malformedRefused =
        ::fsetxattr(file.fd, "security.capability", &caps, XATTR_CAPS_SZ_2, 0) != 0 && errno == EINVAL;
    return wellFormedTaken && malformedRefused;
}

bool seccompListener() {
    uint32_t action = SECCOMP_RET_USER_NOTIF;
    return ::syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

// A listener that can let an intercepted call go on (SECCOMP_USER_NOTIF_FLAG_CONTINUE, 5.5):
// tried for real, as upstream does, but on a short-lived thread of ours rather than a forked
// process: a seccomp filter binds only the thread that loads it, and goes with it. The thread
// traps its own getppid; this one answers "continue", and the thread then gets the real answer
// only where the kernel knows the flag. Closing the listener ends a wait the kernel never wakes.
bool seccompListenerContinue() {
    std::promise<int> listenerOut;
    auto listenerReady = listenerOut.get_future();
    std::promise<long> resultOut;
    auto result = resultOut.get_future();
    std::thread trapped([&listenerOut, &resultOut] {
        sock_filter filter[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
        // Per thread, like the filter: lets the filter load without CAP_SYS_ADMIN too.
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        const int listener =
            static_cast<int>(::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
        listenerOut.set_value(listener);
        resultOut.set_value(listener < 0 ? -1 : ::syscall(SYS_getppid));
    });
    bool continued = false;
    {
        // Closed before the join: a thread still waiting on it then gets ENOSYS and ends.
        const ClosingFd listener{listenerReady.get()};
        pollfd waiting{listener.fd, POLLIN, 0};
        seccomp_notif req{};
        if (listener.fd >= 0 && ::poll(&waiting, 1, 2000) == 1 &&
            ::ioctl(listener.fd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0) {
            seccomp_notif_resp resp{};
            resp.id = req.id;
            resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
            continued = ::ioctl(listener.fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0;
            if (!continued) {
                resp.flags = 0;
                resp.error = -EPERM;
                ::ioctl(listener.fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
            }
        }
    }
    trapped.join();
    return continued && result.get() == ::getppid();
}

// Upstream mounts shiftfs in a mount namespace of its own to see whether the kernel has it; the
// list of file systems the kernel knows says the same without a mount (Ubuntu's kernels only).
bool shiftfs() {
    std::ifstream in("/proc/filesystems");
    std::string line;
    while (std::getline(in, line))
        if (line.size() >= 7 && line.compare(line.size() - 7, 7, "shiftfs") == 0) return true;
    return false;
}

// A kernel with idmapped mounts (5.12) checks the user namespace fd it is given: an O_PATH fd of
// /dev/null is EBADF there, where an older one does not know MOUNT_ATTR_IDMAP (EINVAL) or
// mount_setattr at all (ENOSYS). The clone of / is detached and goes with its fd.
bool idmappedMounts() {
    const ClosingFd tree{static_cast<int>(::open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC))};
    const ClosingFd devnull{::open("/dev/null", O_PATH | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY)};
    if (tree.fd < 0 || devnull.fd < 0) return false;
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_IDMAP;
    attr.userns_fd = static_cast<uint64_t>(devnull.fd);
    return ::mount_setattr(tree.fd, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0 && errno == EBADF;
}

const char* text(bool on) { return on ? "true" : "false"; }

}  // namespace

std::map<std::string, std::string> probeKernelFeatures() {
    const bool listener = seccompListener();
    return {{"idmapped_mounts", text(idmappedMounts())},
            {"netnsid_getifaddrs", text(netnsidGetifaddrs())},
            {"seccomp_listener", text(listener)},
            {"seccomp_listener_continue", text(listener && seccompListenerContinue())},
            {"shiftfs", text(shiftfs())},
            {"uevent_injection", text(ueventInjection())},
            {"unpriv_fscaps", text(unprivFscaps())}};
}

}  // namespace lxdp::util
