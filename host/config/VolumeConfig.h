// Storage volume configuration keys (spec: "Storage volume configuration"), which are also the
// pool's "volume.<key>" defaults.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace lxdp::config {

// Validates a custom volume's config. Throws lxdp::ApiError (400) "Invalid config: ..." for an
// unknown key or a bad value; keys prefixed by the driver name are left to the driver.
void validateVolumeConfig(const std::string& driver, const std::map<std::string, std::string>& cfg);

// The validator of a volume key every driver understands (key without "volume."); nullptr for
// any other key.
const std::function<void(const std::string&)>* commonVolumeKey(const std::string& key);

}  // namespace lxdp::config
