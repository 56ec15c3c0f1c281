// What a restricted project (restricted=true, spec 3.2.6 "Project restrictions") lets its
// instances and profiles use. Config keys go through an allowlist: a key not known to be safe
// counts as low-level and needs restricted.containers.lowlevel (or .virtual-machines.lowlevel)
// set to allow, so a key added later is blocked until someone decides it is safe.
#pragma once

#include <map>
#include <string>

namespace lxdp::config {

using StringMap = std::map<std::string, std::string>;

// Whose config is checked: a profile may end up on either kind of instance, so it needs what
// both allow.
enum class RestrictedEntity { Container, VirtualMachine, Profile };

// True when the project's restricted key is on (the restricted.* keys only count then).
bool isRestricted(const StringMap& projectConfig);

// The value of a restricted.* key, or its default when unset.
std::string restriction(const StringMap& projectConfig, const std::string& key);

// Throws Forbidden (403) naming the key or the device, the entity and the project when config
// or devices (expanded, for an instance) use something the project restricts. No-op when the
// project is not restricted.
void checkRestrictions(const StringMap& projectConfig, const std::string& project, RestrictedEntity entity,
                       const std::string& name, const StringMap& config,
                       const std::map<std::string, StringMap>& devices);

// volatile.* keys are the daemon's: in a restricted project without low-level access a request
// may only repeat what current holds (or set the few that are harmless). Throws Forbidden.
void checkVolatileKeys(const StringMap& projectConfig, const std::string& project, RestrictedEntity entity,
                       const std::string& name, const StringMap& config, const StringMap& current);

// Validators of the list-valued restricted.* keys.
void isIdRangeList(const std::string& value);   // restricted.idmap.uid/gid: "1000-1999,3000"
void isAbsPathList(const std::string& value);   // restricted.devices.disk.paths

}  // namespace lxdp::config
