// A host device's uevent told again inside a running container, as upstream does for the plugs
// its usb and unix-hotplug devices follow, so that what listens there (the container's udev)
// learns of the node that came or went.
#pragma once

#include "lxc_common.h"

#include <string>
#include <vector>

namespace lxdp_lxc {

// Sends the uevent (its parts: "ACTION@DEVPATH", then "KEY=VALUE" each) to the kernel from the
// network namespace of process pid, which broadcasts it to that namespace's uevent listeners
// (kernel 4.18's uevent injection). A Failure when the kernel refuses it.
void inject_uevent(pid_t pid, const std::vector<std::string> &parts);

} // namespace lxdp_lxc
