// Work inside a running container's namespaces without forking: a thread of its own enters them
// and ends right after, so the calling thread (and the daemon) never leave the host's.
#pragma once

#include "lxc_common.h"

#include <functional>
#include <sys/types.h>

namespace lxdp_lxc {

// Runs fn in a new thread that has joined the namespace of kind nstype (CLONE_NEWNET,
// CLONE_NEWNS) of process pid. fn returns 0 or an errno, which becomes a Failure with what.
void in_namespace(pid_t pid, int nstype, const char *what, const std::function<int()> &fn);

// Runs fn in a new thread that has joined the namespace nsfd (of kind nstype) and ends with fn;
// returns fn's result, or the errno of joining. What fn changes of its thread (root, cwd, umask,
// fsuid, capabilities) ends with it.
int in_namespace_fd(int nsfd, int nstype, const std::function<int()> &fn);

} // namespace lxdp_lxc
