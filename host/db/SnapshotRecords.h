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

// A snapshot of a custom volume: its config as it was, and its own description and expiry.
struct VolumeSnapshotRecord {
    std::string pool;
    std::string project = "default";
    int type = 2;  // LXDP_VOLUME_CUSTOM
    std::string volume;
    std::string name;  // without the "<volume>/" prefix
    std::string description;
    StringMap config;
    std::string createdAt;
    std::string expiresAt;  // empty: never
};

}  // namespace lxdp::db
