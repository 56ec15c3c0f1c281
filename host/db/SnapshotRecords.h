// The record of an instance snapshot: the instance's own config, devices and profiles as they
// were when it was taken, so a restore or a copy from it gets them back.
#pragma once

#include <string>
#include <vector>

#include "db/Records.h"

namespace lxdp::db {

struct InstanceSnapshotRecord {
    std::string project = "default";
    std::string instance;
    std::string name;  // without the "<instance>/" prefix
    std::string architecture;
    bool stateful = false;
    std::string description;
    std::string createdAt;
    std::string expiresAt;  // empty: never
    StringMap config;
    DeviceMap devices;
    std::vector<std::string> profiles;
};

}  // namespace lxdp::db
