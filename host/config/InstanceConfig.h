// Instance and profile configuration keys: one declarative table built from the LXD 4.0
// "Instance configuration" key table, checked the way LXD's ConfigKeyChecker does.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace lxdp::config {

// Which instances a key (or device) applies to. Profiles are not specific to containers or
// virtual machines (spec §3.2.5), so they are always validated as Any.
enum class InstanceKind { Any, Container, VirtualMachine };

// Throws lxdp::ApiError (400) "Invalid config: ..." for unknown keys, bad values, keys of the
// other instance kind, and volatile.* / image.* keys on profiles (LXD only lets instances hold them).
void validateInstanceKey(const std::string& key, const std::string& value, bool isProfile = false,
                         InstanceKind kind = InstanceKind::Any);
void validateInstanceConfig(const std::map<std::string, std::string>& config, bool isProfile = false,
                            InstanceKind kind = InstanceKind::Any);

// Every exact key, then every namespace as "<prefix>*" (e.g. "user.*", "volatile.<name>.hwaddr").
std::vector<std::string> knownInstanceKeys();

}  // namespace lxdp::config
