#include "config/ProjectConfig.h"

#include "config/ProjectRestrictions.h"
#include "config/Validators.h"
#include "util/ApiError.h"

namespace lxdp::config {

namespace {

const std::map<std::string, Validator>& projectKeys() {
    static const std::map<std::string, Validator> keys = [] {
        const Validator blockAllow = isOneOf({"block", "allow"});
        const Validator managed = isOneOf({"block", "managed", "allow"});
        return std::map<std::string, Validator>{
            {"features.images", isBool},
            {"features.profiles", isBool},
            {"features.storage.volumes", isBool},
            {"limits.containers", isUint32},
            {"limits.virtual-machines", isUint32},
            {"limits.cpu", isUint32},
            {"limits.disk", isSize},
            {"limits.memory", isSize},
            {"limits.processes", isUint32},
            {"limits.networks", isUint32},
            {"restricted", isBool},
            {"restricted.backups", blockAllow},
            {"restricted.cluster.target", blockAllow},
            {"restricted.containers.interception", blockAllow},
            {"restricted.containers.lowlevel", blockAllow},
            {"restricted.containers.nesting", blockAllow},
            {"restricted.containers.privilege", isOneOf({"unprivileged", "isolated", "allow"})},
            {"restricted.devices.disk", managed},
            {"restricted.devices.disk.paths", isAbsPathList},
            {"restricted.devices.gpu", blockAllow},
            {"restricted.devices.infiniband", blockAllow},
            {"restricted.devices.nic", managed},
            {"restricted.devices.pci", blockAllow},
            {"restricted.devices.proxy", blockAllow},
            {"restricted.devices.unix-block", blockAllow},
            {"restricted.devices.unix-char", blockAllow},
            {"restricted.devices.unix-hotplug", blockAllow},
            {"restricted.devices.usb", blockAllow},
            {"restricted.idmap.uid", isIdRangeList},
            {"restricted.idmap.gid", isIdRangeList},
            {"restricted.networks.access", isAny},
            {"restricted.networks.subnets", isAny},
            {"restricted.networks.uplinks", isAny},
            {"restricted.networks.zones", isAny},
            {"restricted.snapshots", blockAllow},
            {"restricted.virtual-machines.lowlevel", blockAllow},
        };
    }();
    return keys;
}

const std::string kContext = "Invalid project config: ";

}  // namespace

void validateProjectConfig(const std::map<std::string, std::string>& config) {
    for (const auto& [key, value] : config) {
        if (key.rfind("user.", 0) == 0) continue;
        const auto it = projectKeys().find(key);
        if (it == projectKeys().end()) throw BadRequest(kContext + "Unknown configuration key: " + key);
        checkValue(key, value, optional(it->second), kContext);
    }
}

const std::map<std::string, std::string>& defaultProjectFeatures() {
    static const std::map<std::string, std::string> features = {
        {"features.images", "true"}, {"features.profiles", "true"}, {"features.storage.volumes", "true"}};
    return features;
}

}  // namespace lxdp::config
