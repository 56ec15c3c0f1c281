// Device validation: names, types and per-type keys from the LXD 4.0 device tables.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "config/InstanceConfig.h"

namespace lxdp::config {

using DeviceConfig = std::map<std::string, std::string>;
using DeviceMap = std::map<std::string, DeviceConfig>;

// Throws lxdp::ApiError (400) "Invalid devices: Device validation failed for "<name>": ..." for a
// bad name, a missing or unknown type (or nictype/gputype), an unknown key (LXD only lets
// "type", the sub-type key and user.* through), a bad value, a missing required key, an invalid
// root disk or more than one root disk. `kind` restricts container-only / VM-only types; profiles
// are validated as InstanceKind::Any whatever `kind` says.
void validateDevices(const DeviceMap& devices, bool isProfile = false, InstanceKind kind = InstanceKind::Any);

// shared.IsRootDiskDevice: a disk at path "/" without a source.
bool isRootDisk(const DeviceConfig& device);

// The root disk (name and config), if any; throws BadRequest if there is more than one.
std::optional<std::pair<std::string, DeviceConfig>> findRootDisk(const DeviceMap& devices);

}  // namespace lxdp::config
