#include "config/PoolConfig.h"

#include <algorithm>
#include <cctype>

#include "config/Validators.h"
#include "config/VolumeConfig.h"
#include "util/ApiError.h"

namespace lxdp::config {

namespace {

// rsync.bwlimit goes to rsync's --bwlimit, so only rsync's own syntax is accepted: a number with
// an optional K/M/G/T/P unit, optionally followed by "B" or "iB" ("0" means no limit).
void isRsyncBandwidth(const std::string& value) {
    const auto digits = std::find_if(value.begin(), value.end(), [](unsigned char c) { return !std::isdigit(c); });
    std::string unit(digits, value.end());
    for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const bool knownUnit = unit.empty() || (std::string("KMGTP").find(unit.front()) != std::string::npos &&
                                            (unit.size() == 1 || unit.substr(1) == "B" || unit.substr(1) == "IB"));
    if (digits == value.begin() || !knownUnit)
        throw InvalidValue("Invalid bandwidth limit \"" + value + "\", expected a number with an optional K/M/G/T/P unit");
}

const std::map<std::string, Validator>& commonKeys() {
    static const std::map<std::string, Validator> keys{
        {"source", isAny},
        {"size", isSize},
        {"rsync.bwlimit", isRsyncBandwidth},
        {"rsync.compression", isBool},
        // Set by the daemon when it created the pool's backing storage itself.
        {"volatile.pool.pristine", isBool},
    };
    return keys;
}

bool hasPrefix(const std::string& key, const std::string& prefix) {
    return key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0;
}

const std::string kContext = "Invalid config: ";

}  // namespace

void validateCommonPoolConfig(const std::string& driver, const std::map<std::string, std::string>& cfg) {
    for (const auto& [key, value] : cfg) {
        if (const auto it = commonKeys().find(key); it != commonKeys().end()) {
            checkValue(key, value, optional(it->second), kContext);
            continue;
        }
        // "volume.<key>": the default of a volume key for the pool's new volumes.
        if (const auto* v = hasPrefix(key, "volume.") ? commonVolumeKey(key.substr(7)) : nullptr) {
            checkValue(key, value, optional(*v), kContext);
            continue;
        }
        const bool passThrough = hasPrefix(key, "user.") || hasPrefix(key, "volume." + driver + ".") ||
                                 (!driver.empty() && hasPrefix(key, driver + "."));
        if (!passThrough) throw BadRequest(kContext + "Unknown configuration key: " + key);
    }
}

}  // namespace lxdp::config
