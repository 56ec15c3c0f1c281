// Terminals of interactive commands, opened in the container's own devpts instance.
#pragma once

#include "lxc_common.h"

namespace lxdp_lxc {

struct TerminalPair {
    UniqueFd master;   // the side the host reads and writes
    UniqueFd terminal; // the command's stdin, stdout and stderr
};

// A new pty of the running container's devpts (its /dev/pts/N, as upstream's OpenPtyInDevpts
// makes it), owned by the container's root; both fds close-on-exec. LXDP_E_NOTSUP when liblxc's
// monitor cannot hand out the devpts instance (the host then falls back to a pty of its own).
TerminalPair terminal_open(const Driver &drv, const InstanceView &inst);

} // namespace lxdp_lxc
