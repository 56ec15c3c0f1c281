// run_command of the host services: the daemon's one policy for the commands plugins need.
#pragma once

#include <lxdp/abi.h>

namespace lxdp::plugins {

// Runs cmd to completion with LANG=C, the daemon's PATH (argv[0] is looked up there), stdin from cmd.in_fd (1.3) or /dev/null and no
// other inherited fds;
// kills it (and its process group) on timeout or when op is cancelled. When cmd.err_out is NULL
// the tail of stderr (else of stdout, when cmd.out is NULL too) is left in err->message even on
// success, so callers can report why a command failed. Thread-safe.
lxdp_status runCommand(const lxdp_command& cmd, lxdp_op* op, int32_t* exitStatus, lxdp_error* err) noexcept;

}  // namespace lxdp::plugins
