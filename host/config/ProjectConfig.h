// Project config keys (spec 3.2.6): features.*, limits.*, restricted.*, user.*.
#pragma once

#include <map>
#include <string>

namespace lxdp::config {

void validateProjectConfig(const std::map<std::string, std::string>& config);

// The features a new project gets unless it says otherwise.
const std::map<std::string, std::string>& defaultProjectFeatures();

}  // namespace lxdp::config
