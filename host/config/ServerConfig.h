// Server configuration keys (GET/PUT/PATCH /1.0 "config"), from the LXD 4.0 server key table.
#pragma once

#include <map>
#include <string>

namespace lxdp::config {

// Throws lxdp::ApiError (400) "Invalid config: ..." for unknown keys and bad values. The empty
// value means unset and is always accepted.
//
// core.trust_password is write-only: it is validated here like any string, and the API layer
// stores only a hash of it and never returns it (LXD shows it as "true" when set).
void validateServerKey(const std::string& key, const std::string& value);
void validateServerConfig(const std::map<std::string, std::string>& config);

}  // namespace lxdp::config
