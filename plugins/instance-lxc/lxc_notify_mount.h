// mount(2) for a container (security.syscalls.intercept.mount, spec 3.6.7, as upstream LXD): a
// new file system of a type in .mount.allowed is mounted by the daemon where the caller asked, as
// the caller (its mount namespace, root, cwd, fsuid, fsgid and devices cgroup, so that its source
// is a device the container may open and its target never leaves the container), with the
// caller's flags (.mount.shift: idmapped to the container); a type .mount.fuse maps to a FUSE
// binary is mounted by the container's mount.fuse (lxc_notify_fuse.h); anything else continues to
// the kernel, which refuses it as it always did.
#pragma once

#include "lxc_notify_caller.h"

#include <string>

namespace lxdp_lxc {

// The file, in the container's liblxc directory, where its start leaves the mount keys the
// daemon answers by (the seccomp policy, which decides that mount(2) reaches us, is fixed at
// start too).
constexpr const char *kMountPolicyFile = "mount-intercept";

// The file's text for the instance's security.syscalls.intercept.mount.* keys.
std::string mount_policy_text(const InstanceView &inst);

// A running container's .mount.allowed, .mount.fuse and .mount.shift apply from its next mount
// on, as upstream's (which reads them at each call): the file is written again when they changed.
// .mount itself is in the seccomp policy, which changes at the next start.
void update_mount_policy(const Driver &drv, const InstanceView &before, const InstanceView &after);

// Fills resp with the answer for a mount(2) notification.
void answer_mount(const seccomp_notif &req, const NotifyCaller &caller, seccomp_notif_resp &resp);

} // namespace lxdp_lxc
