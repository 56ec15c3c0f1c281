// Storage pool configuration keys common to every driver.
#pragma once

#include <map>
#include <string>

namespace lxdp::config {

// Validates the keys every pool understands (source, size, rsync.*, user.*, volatile.pool.pristine,
// and "volume.<key>" defaults of the volume keys) and lets through, unchecked, keys prefixed by the
// driver name ("btrfs.mount_options" for driver "btrfs", "volume.btrfs.*"): the driver checks those.
// Throws lxdp::ApiError (400) "Invalid config: ..." for any other key or a bad common value.
void validateCommonPoolConfig(const std::string& driver, const std::map<std::string, std::string>& cfg);

}  // namespace lxdp::config
