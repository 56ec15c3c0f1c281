// The optional kernel features GET /1.0 reports as environment.kernel_features.
#pragma once

#include <map>
#include <string>

namespace lxdp::util {

// Upstream 5.0.2's keys (idmapped_mounts, netnsid_getifaddrs, seccomp_listener,
// seccomp_listener_continue, shiftfs, uevent_injection, unpriv_fscaps), each "true" or "false",
// found with system calls only: no process is run. It takes a few milliseconds (one probe waits
// on a short-lived thread), so callers probe once, when first asked, and keep the answer: the
// kernel does not change under a running daemon.
std::map<std::string, std::string> probeKernelFeatures();

}  // namespace lxdp::util
