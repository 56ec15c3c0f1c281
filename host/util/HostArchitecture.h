// The architectures of this host, as instances and images name them.
#pragma once

#include <string>
#include <vector>

namespace lxdp::util {

// The kernel's own (uname's machine: x86_64, aarch64, ...).
std::string hostArchitecture();

// What instances may run here: the kernel's own, then the 32-bit one it also runs.
std::vector<std::string> hostArchitectures();

}  // namespace lxdp::util
