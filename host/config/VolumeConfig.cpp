#include "config/VolumeConfig.h"

#include "config/Validators.h"
#include "util/ApiError.h"

namespace lxdp::config {

namespace {

const std::map<std::string, Validator>& volumeKeys() {
    static const std::map<std::string, Validator> keys{
        {"size", isSize},
        {"security.shifted", isBool},
        {"security.unmapped", isBool},
        {"snapshots.schedule", isCron},
        {"snapshots.pattern", isAny},
        {"snapshots.expiry", isSnapshotExpiry},
        {"block.filesystem", isOneOf({"btrfs", "ext4", "xfs"})},
        {"block.mount_options", isAny},
    };
    return keys;
}

bool hasPrefix(const std::string& key, const std::string& prefix) {
    return key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0;
}

const std::string kContext = "Invalid config: ";

}  // namespace

const Validator* commonVolumeKey(const std::string& key) {
    const auto it = volumeKeys().find(key);
    return it == volumeKeys().end() ? nullptr : &it->second;
}

void validateVolumeConfig(const std::string& driver, const std::map<std::string, std::string>& cfg) {
    for (const auto& [key, value] : cfg) {
        if (const auto it = volumeKeys().find(key); it != volumeKeys().end()) {
            checkValue(key, value, optional(it->second), kContext);
            continue;
        }
        // volatile.* are the daemon's own (the idmap the data is shifted to).
        const bool passThrough = hasPrefix(key, "user.") || hasPrefix(key, "volatile.") ||
                                 (!driver.empty() && hasPrefix(key, driver + "."));
        if (!passThrough) throw BadRequest(kContext + "Unknown configuration key: " + key);
    }
}

}  // namespace lxdp::config
