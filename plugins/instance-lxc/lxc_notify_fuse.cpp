#include "lxc_notify_fuse.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

namespace lxdp_lxc {

namespace {

// mount.fuse returns once the FUSE daemon has mounted (fuse2fs forks into the background).
constexpr int kFuseTimeoutMs = 20000;

// Where mount.fuse is looked for in the container, as a shell's PATH would find it.
constexpr const char *kPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// mount(2)'s flags as mount.fuse's options: upstream's list; the others are dropped.
constexpr std::pair<unsigned long, const char *> kFlagOptions[] = {
    {MS_RDONLY, "ro"},         {MS_NOSUID, "nosuid"},       {MS_NODEV, "nodev"},
    {MS_NOEXEC, "noexec"},     {MS_SYNCHRONOUS, "sync"},    {MS_MANDLOCK, "mand"},
    {MS_NOATIME, "noatime"},   {MS_NODIRATIME, "nodiratime"}, {MS_STRICTATIME, "strictatime"},
    {MS_LAZYTIME, "lazytime"},
};

std::string fuse_options(unsigned long flags, const std::string &data) {
    std::string options = data;
    for (const auto &[flag, option] : kFlagOptions)
        if ((flags & flag) != 0)
            options += (options.empty() ? "" : ",") + std::string(option);
    return options;
}

// The caller's id host_id as its user namespace sees it (uid_map or gid_map of its /proc/PID).
std::optional<uint32_t> id_in_namespace(int proc_fd, const char *map, uint32_t host_id) {
    UniqueFd fd(openat(proc_fd, map, O_RDONLY | O_CLOEXEC));
    char buf[4096];
    const ssize_t n = fd ? read(fd.get(), buf, sizeof(buf)) : -1;
    if (n <= 0)
        return std::nullopt;
    std::istringstream lines(std::string(buf, size_t(n)));
    for (uint64_t inside, outside, count; lines >> inside >> outside >> count;)
        if (host_id >= outside && host_id - outside < count)
            return uint32_t(inside + (host_id - outside));
    return std::nullopt;
}

// What the child needs, made before the fork: it may only make system calls.
struct Prepared {
    UniqueFd cgroup, userns, pidns;
    uint32_t uid = 0, gid = 0;
    std::vector<gid_t> groups;
    std::vector<std::string> args, programs;
};

std::optional<Prepared> prepare(int proc_fd, const CallerCreds &creds, const FuseMount &m) {
    Prepared p;
    p.cgroup = open_devices_cgroup(proc_fd);
    p.userns.reset(openat(proc_fd, "ns/user", O_RDONLY | O_CLOEXEC));
    p.pidns.reset(openat(proc_fd, "ns/pid", O_RDONLY | O_CLOEXEC));
    const auto uid = id_in_namespace(proc_fd, "uid_map", creds.fsuid);
    const auto gid = id_in_namespace(proc_fd, "gid_map", creds.fsgid);
    if (!p.cgroup || !p.userns || !p.pidns || !uid || !gid)
        return std::nullopt;
    p.uid = *uid;
    p.gid = *gid;
    for (gid_t host : creds.groups)
        if (const auto g = id_in_namespace(proc_fd, "gid_map", host))
            p.groups.push_back(*g);
    p.args = {"mount.fuse", m.binary + "#" + m.source, m.target};
    if (const std::string options = fuse_options(m.flags, m.data); !options.empty())
        p.args.insert(p.args.end(), {"-o", options});
    std::istringstream dirs(kPath);
    for (std::string dir; std::getline(dirs, dir, ':');)
        p.programs.push_back(dir + "/mount.fuse");
    return p;
}

// In the container, as the caller: runs mount.fuse in a child (the first one in the container's
// pid namespace) with only /dev/null of the daemon's files, and waits for it.
int run_mount_fuse(const Prepared &p, mode_t umask_value) {
    umask(umask_value);
    if (syscall(SYS_setgroups, p.groups.size(), p.groups.data()) != 0 ||
        syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0 || syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0)
        return EPERM;
    std::vector<char *> argv;
    for (const std::string &a : p.args)
        argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    const std::string path = std::string("PATH=") + kPath;
    char *const envp[] = {const_cast<char *>(path.c_str()), nullptr};
    const pid_t pid = fork();
    if (pid < 0)
        return EPERM;
    if (pid == 0) {
        const int null = open("/dev/null", O_RDWR);
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
            _exit(127);
        syscall(SYS_close_range, 3, ~0U, 0);
        for (const std::string &program : p.programs)
            execve(program.c_str(), argv.data(), envp);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return EPERM;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EPERM;
}

} // namespace

int fuse_mount_as_caller(int proc_fd, const CallerView &view, const CallerCreds &creds, const FuseMount &m) {
    const auto prepared = prepare(proc_fd, creds, m);
    if (!prepared)
        return EPERM;
    const Prepared &p = *prepared;
    return in_child_process(kFuseTimeoutMs, [&] {
        // Not dumpable: once in the container's user namespace, this copy of the daemon must not be
        // open to its root (ptrace, /proc/PID/mem) before it has become mount.fuse.
        if (prctl(PR_SET_DUMPABLE, 0) != 0 || write(p.cgroup.get(), "0", 1) != 1 ||
            setns(p.userns.get(), CLONE_NEWUSER) != 0 || setns(p.pidns.get(), CLONE_NEWPID) != 0 ||
            setns(view.mnt.get(), CLONE_NEWNS) != 0 || enter_view(view) != 0)
            return EPERM;
        return run_mount_fuse(p, creds.umask);
    });
}

} // namespace lxdp_lxc
