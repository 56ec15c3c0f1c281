// The seccomp policy liblxc loads at a container's start (lxc.seccomp.profile), built from the
// instance's security.syscalls.* and raw.seccomp keys as upstream LXD builds it. The host has
// already refused the combinations upstream refuses (raw.seccomp with security.syscalls.*, an
// allow list with the deny keys).
#pragma once

#include "lxc_common.h"

#include <string>

namespace lxdp_lxc {

// The policy file's text, in liblxc's version 2 format.
std::string seccomp_policy(const InstanceView &inst);

// Whether the policy hands system calls to the daemon (security.syscalls.intercept.mknod,
// .setxattr or .mount on an unprivileged container; a privileged one makes them itself): liblxc's monitor
// then forwards each to the notification server (lxc_notify_server.h).
bool seccomp_intercepts(const InstanceView &inst);

} // namespace lxdp_lxc
