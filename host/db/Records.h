// Plain records as the database stores them; services turn them into API objects.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lxdp::db {

using StringMap = std::map<std::string, std::string>;
using DeviceMap = std::map<std::string, StringMap>;

struct PoolRecord {
    std::string name;
    std::string driver;
    std::string description;
    StringMap config;
    std::string status = "Created";
};

struct ProfileRecord {
    std::string project = "default";
    std::string name;
    std::string description;
    StringMap config;
    DeviceMap devices;
};

struct ImageRecord {
    std::string project = "default";
    std::string fingerprint;
    std::string filename;
    int64_t size = 0;
    bool isPublic = false;
    bool autoUpdate = false;
    bool cached = false;
    std::string architecture;
    std::string type = "container";
    std::string createdAt;
    std::string uploadedAt;
    std::string lastUsedAt;
    std::string expiresAt;
    StringMap properties;
    std::vector<std::string> profiles{"default"};
};

struct AliasRecord {
    std::string project = "default";
    std::string name;
    std::string target;
    std::string description;
};

struct InstanceRecord {
    std::string project = "default";
    std::string name;
    int type = 0;  // 0 container, 1 virtual machine
    std::string architecture;
    bool ephemeral = false;
    bool stateful = false;
    std::string description;
    std::string createdAt;
    std::string lastUsedAt;
    StringMap config;
    DeviceMap devices;
    std::vector<std::string> profiles;
};

// A volume on a pool; its type numbers as the storage ABI's LXDP_VOLUME_*.
struct VolumeRecord {
    std::string pool;
    std::string project = "default";
    int type = 0;
    std::string name;
    int content = 0;
    std::string description;
    StringMap config;
    std::string createdAt;
};

struct ProjectRecord {
    std::string name;
    std::string description;
    StringMap config;
};

}  // namespace lxdp::db
