// Instance types (`lxc launch IMAGE NAME -t TYPE`) turned into limits: the generic "cN-mM" form
// (N CPUs, M GiB of memory) and common cloud types such as "t2.micro" or "aws:t2.micro".
#pragma once

#include <map>
#include <string>

namespace lxdp::config {

// {"limits.cpu": ..., "limits.memory": ...}; BadRequest for a type it does not know.
std::map<std::string, std::string> instanceTypeLimits(const std::string& type);

}  // namespace lxdp::config
