// What the daemon does for a system call a container's seccomp policy hands over (spec 3.6.7, as
// upstream LXD): mknod/mknodat of the few harmless character devices and setxattr of
// trusted.overlay.opaque="y" are made for the caller, confined to its root and mount namespace,
// with its fsuid, fsgid, groups and umask; mount(2) goes to lxc_notify_mount.h; anything else goes
// back to the kernel, which refuses it as it always did.
#pragma once

#include "lxc_notify_caller.h"

#include <linux/seccomp.h>

namespace lxdp_lxc {

// Fills resp (its id already req's) with the answer for req: 0 or -errno once done here, or
// SECCOMP_USER_NOTIF_FLAG_CONTINUE for the kernel to run the call as it is.
void answer_notification(const seccomp_notif &req, const NotifyCaller &caller, seccomp_notif_resp &resp);

} // namespace lxdp_lxc
