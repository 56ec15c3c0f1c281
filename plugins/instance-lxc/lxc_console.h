// The container's console (/dev/console) through liblxc's console proxy.
#pragma once

#include "lxc_common.h"

namespace lxdp_lxc {

// A new fd (close-on-exec, the caller's to close) on the master of a pty that liblxc's monitor
// relays to and from the console of the running container: reads give the console's output,
// writes are its input, TIOCSWINSZ sizes it.
int console_attach(const Driver &drv, const InstanceView &inst);

} // namespace lxdp_lxc
