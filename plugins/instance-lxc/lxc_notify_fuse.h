// security.syscalls.intercept.mount.fuse (spec 3.6.7, as upstream LXD): a mount of a file system
// type the key maps to a FUSE binary (ext4=fuse2fs) is made by the container itself: "mount.fuse
// BINARY#SOURCE TARGET -o OPTIONS" runs in its user, pid and mount namespaces, at the caller's root
// and cwd, in its devices cgroup and with its ids, so the FUSE daemon is one of the container's
// processes, opens the source as the container may, and dies with it.
#pragma once

#include "lxc_notify_caller.h"

#include <string>

namespace lxdp_lxc {

struct FuseMount {
    std::string binary; // the FUSE program mount.fuse runs (fuse2fs)
    std::string source;
    std::string target;
    unsigned long flags; // mount(2)'s, passed on as the options mount.fuse knows
    std::string data;
};

// 0 once mount.fuse succeeded; EPERM when it failed or could not run (upstream's answer then is
// the kernel's EPERM), ETIMEDOUT when it hung.
int fuse_mount_as_caller(int proc_fd, const CallerView &view, const CallerCreds &creds, const FuseMount &m);

} // namespace lxdp_lxc
