// An instance's expanded config and devices: its profiles applied in order, then its own keys.
#pragma once

#include <functional>
#include <string>

#include "db/Records.h"

namespace lxdp::services {

struct Expanded {
    db::StringMap config;
    db::DeviceMap devices;
};

// profileOf gives the profile of a name, or nullptr for one that does not exist (skipped).
using ProfileLookup = std::function<const db::ProfileRecord*(const std::string& name)>;

Expanded expandInstance(const db::InstanceRecord& rec, const ProfileLookup& profileOf);

}  // namespace lxdp::services
