// Storage pool configuration keys common to every driver.
#pragma once

#include <map>
#include <string>

namespace lxdp::config {

// Validates the keys every pool understands (source, size, rsync.*, volume.size, user.*,
// volatile.pool.pristine) and lets through, unchecked, "volume.*" defaults and keys prefixed by
// the driver name ("btrfs.mount_options" for driver "btrfs"): the driver plugin checks those.
// Throws lxdp::ApiError (400) "Invalid config: ..." for any other key or a bad common value.
void validateCommonPoolConfig(const std::string& driver, const std::map<std::string, std::string>& cfg);

}  // namespace lxdp::config
