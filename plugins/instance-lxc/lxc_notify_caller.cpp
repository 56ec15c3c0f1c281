#include "lxc_notify_caller.h"

#include "lxc_ns.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sstream>

namespace lxdp_lxc {

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

namespace {

constexpr size_t kStatusMax = 1 << 20; // Groups: of 65536 groups fits

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

} // namespace

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

int enter_view(const CallerView &view) {
    return fchdir(view.root.get()) != 0 || chroot(".") != 0 || fchdir(view.start.get()) != 0 ? errno : 0;
}

int become_caller(const CallerView &view, const CallerCreds &creds, int cap) {
    if (int err = enter_view(view))
        return err;
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
    return 0;
}

int as_caller(const CallerView &view, const CallerCreds &creds, int cap, const std::function<int()> &op) {
    bool ready = false;
    const int err = in_namespace_fd(view.mnt.get(), CLONE_NEWNS, [&] {
        if (int err = become_caller(view, creds, cap))
            return err;
        ready = true;
        return op();
    });
    return ready || err == 0 ? err : EPERM;
}

UniqueFd open_devices_cgroup(int proc_fd) {
    UniqueFd fd(openat(proc_fd, "cgroup", O_RDONLY | O_CLOEXEC));
    char buf[8192];
    const ssize_t n = fd ? read(fd.get(), buf, sizeof(buf)) : -1;
    if (n <= 0)
        return UniqueFd();
    // Lines "ID:CONTROLLERS:PATH"; cgroup v2's is "0::PATH".
    std::istringstream lines(std::string(buf, size_t(n)));
    std::string dir;
    for (std::string line; std::getline(lines, line);) {
        const size_t first = line.find(':'), second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos)
            continue;
        const std::string controllers = "," + line.substr(first + 1, second - first - 1) + ",";
        const std::string path = line.substr(second + 1);
        if (controllers.find(",devices,") != std::string::npos)
            dir = "/sys/fs/cgroup/devices" + path;
        else if (controllers == ",," && dir.empty()) {
            struct statfs fs {};
            const bool unified = statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
            dir = (unified ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified") + path;
        }
    }
    return dir.empty() ? UniqueFd() : UniqueFd(open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
}

int in_child_process(int timeout_ms, const std::function<int()> &body) {
    const pid_t pid = fork();
    if (pid < 0)
        return EPERM;
    if (pid == 0)
        _exit(body());
    const UniqueFd pidfd(int(syscall(SYS_pidfd_open, pid, 0)));
    pollfd exited{pidfd.get(), POLLIN, 0};
    int ready = 1; // without a pidfd (no memory for one), the wait is waitpid's
    while (pidfd && (ready = poll(&exited, 1, timeout_ms)) < 0 && errno == EINTR)
        ;
    const bool timed_out = ready == 0;
    if (timed_out)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, __WALL) < 0)
        if (errno != EINTR)
            return EPERM;
    if (timed_out)
        return ETIMEDOUT;
    return WIFEXITED(status) ? WEXITSTATUS(status) : EPERM;
}

bool still_waiting(const NotifyCaller &caller, uint64_t id) {
    return ioctl(caller.notify_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

void continue_in_kernel(seccomp_notif_resp &resp) {
    resp.error = 0;
    resp.val = 0;
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
}

} // namespace lxdp_lxc
