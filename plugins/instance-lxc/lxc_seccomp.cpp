#include "lxc_seccomp.h"

#include <sys/utsname.h>

namespace lxdp_lxc {

namespace {

// Upstream LXD's default policy (security.syscalls.deny_default, true unless set false):
// syscalls a container must never reach even as its own root.
constexpr const char *kDefaultDenied = "reject_force_umount  # comment this to allow umount -f;  not recommended\n"
                                       "[all]\n"
                                       "kexec_load errno 38\n"
                                       "open_by_handle_at errno 38\n"
                                       "init_module errno 38\n"
                                       "finit_module errno 38\n"
                                       "delete_module errno 38\n";

// security.syscalls.deny_compat on x86_64: upstream's list of the 32-bit compat entry points.
constexpr const char *kCompatDenied = "compat_sys_rt_sigaction errno 38\n"
                                      "stub_x32_rt_sigreturn errno 38\n"
                                      "compat_sys_ioctl errno 38\n"
                                      "compat_sys_readv errno 38\n"
                                      "compat_sys_writev errno 38\n"
                                      "compat_sys_recvfrom errno 38\n"
                                      "compat_sys_sendmsg errno 38\n"
                                      "compat_sys_recvmsg errno 38\n"
                                      "stub_x32_execve errno 38\n"
                                      "compat_sys_ptrace errno 38\n"
                                      "compat_sys_rt_sigpending errno 38\n"
                                      "compat_sys_rt_sigtimedwait errno 38\n"
                                      "compat_sys_rt_sigqueueinfo errno 38\n"
                                      "compat_sys_sigaltstack errno 38\n"
                                      "compat_sys_timer_create errno 38\n"
                                      "compat_sys_mq_notify errno 38\n"
                                      "compat_sys_kexec_load errno 38\n"
                                      "compat_sys_waitid errno 38\n"
                                      "compat_sys_set_robust_list errno 38\n"
                                      "compat_sys_get_robust_list errno 38\n"
                                      "compat_sys_vmsplice errno 38\n"
                                      "compat_sys_move_pages errno 38\n"
                                      "compat_sys_preadv64 errno 38\n"
                                      "compat_sys_pwritev64 errno 38\n"
                                      "compat_sys_rt_tgsigqueueinfo errno 38\n"
                                      "compat_sys_recvmmsg errno 38\n"
                                      "compat_sys_sendmmsg errno 38\n"
                                      "compat_sys_process_vm_readv errno 38\n"
                                      "compat_sys_process_vm_writev errno 38\n"
                                      "compat_sys_setsockopt errno 38\n"
                                      "compat_sys_getsockopt errno 38\n"
                                      "compat_sys_io_setup errno 38\n"
                                      "compat_sys_io_submit errno 38\n"
                                      "stub_x32_execveat errno 38\n";

// Upstream's lines for an intercepting container: the container may not install a listener (or a
// tracer) of its own over ours (8 == SECCOMP_FILTER_FLAG_NEW_LISTENER, 2146435072 ==
// SECCOMP_RET_TRACE), ...
constexpr const char *kNotifyDisallow = "seccomp errno 22 [1,2146435072,SCMP_CMP_MASKED_EQ,2146435072]\n"
                                        "seccomp errno 22 [1,8,SCMP_CMP_MASKED_EQ,8]\n";
// ... mknod and mknodat of character (8192 == S_IFCHR) and block (24576 == S_IFBLK) nodes only,
// other file types never leave the kernel ...
constexpr const char *kNotifyMknod = "mknod notify [1,8192,SCMP_CMP_MASKED_EQ,61440]\n"
                                     "mknod notify [1,24576,SCMP_CMP_MASKED_EQ,61440]\n"
                                     "mknodat notify [2,8192,SCMP_CMP_MASKED_EQ,61440]\n"
                                     "mknodat notify [2,24576,SCMP_CMP_MASKED_EQ,61440]\n";
// ... setxattr of a one-byte value (trusted.overlay.opaque's "y") ...
constexpr const char *kNotifySetxattr = "setxattr notify [3,1,SCMP_CMP_EQ]\n";
// ... mount(2) of a new file system: flags within upstream's mask (MS_RDONLY, MS_NOSUID, MS_NODEV,
// MS_NOEXEC, MS_SYNCHRONOUS, MS_MANDLOCK, MS_DIRSYNC, MS_NOATIME, MS_NODIRATIME, MS_REC,
// MS_SILENT, MS_POSIXACL, MS_RELATIME, MS_STRICTATIME, MS_LAZYTIME, MS_MGC_VAL) and none of a
// remount, bind, move or propagation change, which make no superblock ...
constexpr const char *kNotifyMount = "mount notify [3,0,SCMP_CMP_MASKED_EQ,18446744070422410016]\n";
// ... with the new mount API (which keeps state across calls) refused as absent, as upstream's.
constexpr const char *kNewMountApiDenied = "fsopen errno 38\n"
                                           "fsconfig errno 38\n"
                                           "fsinfo errno 38\n"
                                           "fsmount errno 38\n"
                                           "fspick errno 38\n"
                                           "open_tree errno 38\n"
                                           "move_mount errno 38\n"
                                           "openat2 errno 38\n";

// The interception lines, under their own [all] so that they hold for every architecture.
std::string intercept_lines(const InstanceView &inst) {
    if (!seccomp_intercepts(inst))
        return "";
    std::string lines = std::string("[all]\n") + kNotifyDisallow;
    if (inst.get_bool("security.syscalls.intercept.mknod"))
        lines += kNotifyMknod;
    if (inst.get_bool("security.syscalls.intercept.setxattr"))
        lines += kNotifySetxattr;
    if (inst.get_bool("security.syscalls.intercept.mount"))
        lines += std::string(kNotifyMount) + kNewMountApiDenied;
    return lines;
}

// A '\n'-separated list from a key, each line ended.
std::string lines(std::string_view list) {
    std::string out(list);
    if (!out.empty() && out.back() != '\n')
        out += '\n';
    return out;
}

std::string machine() {
    struct utsname uts {};
    return uname(&uts) == 0 ? uts.machine : "";
}

} // namespace

bool seccomp_intercepts(const InstanceView &inst) {
    return !inst.get("raw.seccomp") && !inst.privileged() &&
           (inst.get_bool("security.syscalls.intercept.mknod") || inst.get_bool("security.syscalls.intercept.setxattr") ||
            inst.get_bool("security.syscalls.intercept.mount"));
}

std::string seccomp_policy(const InstanceView &inst) {
    if (auto raw = inst.get("raw.seccomp"))
        return lines(*raw);
    std::string policy = "2\n";
    if (auto allow = inst.get("security.syscalls.allow"); allow && !allow->empty())
        return policy + "allowlist\n[all]\n" + lines(*allow) + intercept_lines(inst);
    policy += "denylist\n";
    const auto deny_default = inst.get("security.syscalls.deny_default");
    if (!deny_default || deny_default->empty() || inst.get_bool("security.syscalls.deny_default"))
        policy += kDefaultDenied;
    // Upstream's place: after the default list, before the compat and deny lines.
    policy += intercept_lines(inst);
    // Only x86_64 has these entry points; upstream writes the section for the host's machine.
    if (inst.get_bool("security.syscalls.deny_compat") && machine() == "x86_64")
        policy += std::string("[x86_64]\n") + kCompatDenied;
    // Under its own [all]: after the compat section the lines would otherwise be x86_64's only.
    if (auto deny = inst.get("security.syscalls.deny"); deny && !deny->empty())
        policy += "[all]\n" + lines(*deny);
    return policy;
}

} // namespace lxdp_lxc
