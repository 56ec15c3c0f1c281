// The process behind an intercepted system call, as the handlers (lxc_notify_syscalls.h,
// lxc_notify_mount.h) see and act for it: its memory, its credentials, its view of the file
// system, and the one way of acting as it (its mount namespace, root, cwd, fsuid, fsgid, groups,
// umask, and a single capability of the daemon's).
#pragma once

#include "lxc_common.h"

#include <linux/seccomp.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lxdp_lxc {

// The process that made the call, as liblxc's monitor sends it: its /proc/PID directory, its
// memory (/proc/PID/mem) and the seccomp listener the notification came from; and the directory
// of its container's liblxc files (lxcpath/NAME), where the container's start left its policy.
struct NotifyCaller {
    int proc_fd;
    int mem_fd;
    int notify_fd;
    std::string_view container_dir;
};

// A NUL-terminated string of fewer than max bytes at addr in the caller's memory; nullopt when it
// is unreadable or longer (the kernel then gives EFAULT or ENAMETOOLONG itself).
std::optional<std::string> read_string(int mem_fd, uint64_t addr, size_t max);

// Who the caller is for the file system, in the host's ids (what /proc shows the daemon).
struct CallerCreds {
    uid_t fsuid = 0;
    gid_t fsgid = 0;
    std::vector<gid_t> groups;
    mode_t umask = 022;
    uint64_t cap_eff = 0;
    bool has(int cap) const { return (cap_eff & (1ull << cap)) != 0; }
};

std::optional<CallerCreds> read_creds(int proc_fd);

// The caller's root, mount namespace and the directory its relative paths start from, opened
// through its /proc/PID directory (bound to that very process, whatever its pid becomes).
struct CallerView {
    UniqueFd mnt, root, start;
};

// start is "cwd" or "fd/N"; 0 or the errno the kernel gives for such a dirfd.
int open_view(int proc_fd, const std::string &start, CallerView &view);

// Puts the calling thread, already in the caller's mount namespace, at the caller's root and in its
// start directory; 0 or an errno.
int enter_view(const CallerView &view);

// Puts the calling thread, already in the caller's mount namespace, at the caller's root and start
// directory (enter_view) with its fsuid, fsgid, groups and umask and only cap (-1: none) of the daemon's
// capabilities; 0 or an errno. Raw system calls, as glibc would apply setgroups to every thread of
// the process.
int become_caller(const CallerView &view, const CallerCreds &creds, int cap);

// Runs op in a thread of its own inside the caller's mount namespace, become the caller
// (become_caller): paths resolve as the caller's would (absolute ones and ".." stay in its root,
// host paths are not there to reach), permissions are checked as for the caller. A failure before
// op is not the caller's: it gets EPERM, as upstream's.
int as_caller(const CallerView &view, const CallerCreds &creds, int cap, const std::function<int()> &op);

// The cgroup.procs file of the caller's devices cgroup: a process written there is held to the
// device rules the container is (cgroup v1's devices controller, or cgroup v2's device programs),
// as the kernel checks a device against the cgroup of whoever opens it.
UniqueFd open_devices_cgroup(int proc_fd);

// Runs body in a child process (a fork of the daemon, which must make system calls only, as a
// fork of a threaded process must) and returns the errno it returns; EPERM when the child died of
// a signal, ETIMEDOUT when it was killed after timeout_ms (a file system that hangs it must not
// hold the answer past liblxc's monitor, which gives up after 30 s).
int in_child_process(int timeout_ms, const std::function<int()> &body);

// Whether the notification still waits for its answer: checked after everything about the caller
// was opened and read, so none of it came from another process that took its pid.
bool still_waiting(const NotifyCaller &caller, uint64_t id);

// The answer that lets the kernel run the call as it is (and refuse it as it always did).
void continue_in_kernel(seccomp_notif_resp &resp);

} // namespace lxdp_lxc
