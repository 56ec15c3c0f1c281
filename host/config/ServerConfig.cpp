#include "config/ServerConfig.h"

#include "config/Validators.h"
#include "util/ApiError.h"

namespace lxdp::config {

namespace {

// Lower bounds LXD's cluster code enforces on these integers.
Validator isIntAtLeast(int64_t min) {
    return [min](const std::string& value) {
        if (parseInt64(value) < min) throw InvalidValue("Value must be at least " + std::to_string(min));
    };
}

void isMaxVoters(const std::string& value) {
    const auto n = parseInt64(value);
    if (n < 3 || n % 2 == 0) throw InvalidValue("Value must be an odd number equal to or higher than 3");
}

void isMaxStandby(const std::string& value) {
    if (const auto n = parseInt64(value); n < 0 || n > 5) throw InvalidValue("Value must be between 0 and 5");
}

void isImagesMinimalReplica(const std::string& value) {
    if (const auto n = parseInt64(value); n < -1 || n == 0) throw InvalidValue("Value must be -1 (all members) or at least 1");
}

// storage.images_volume / storage.backups_volume: "POOL/VOLUME".
void isPoolVolume(const std::string& value) {
    const auto slash = value.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == value.size() || value.find('/', slash + 1) != std::string::npos)
        throw InvalidValue("Invalid volume \"" + value + "\", expected POOL/VOLUME");
}

void isIPAddress(const std::string& value) {
    try {
        isIPv4(value);
    } catch (const InvalidValue&) {
        try {
            isIPv6(value);
        } catch (const InvalidValue&) {
            throw InvalidValue("Invalid IP address \"" + value + "\"");
        }
    }
}

const std::map<std::string, Validator>& serverKeys() {
    // Addresses, URLs and keys are only required to stay on one line: they end up in headers
    // and in files; the code that uses them parses them properly.
    static const std::map<std::string, Validator> keys = [] {
        const Validator text = isSingleLine;
        return std::map<std::string, Validator>{
            {"backups.compression_algorithm", isCompressionAlgorithm},
            {"candid.api.key", text},
            {"candid.api.url", text},
            {"candid.domains", text},
            {"candid.expiry", isInt64},
            {"cluster.https_address", text},
            {"cluster.images_minimal_replica", isImagesMinimalReplica},
            {"cluster.max_standby", isMaxStandby},
            {"cluster.max_voters", isMaxVoters},
            {"cluster.offline_threshold", isIntAtLeast(10)},
            {"core.debug_address", text},
            {"core.https_address", text},
            {"core.https_allowed_credentials", isBool},
            {"core.https_allowed_headers", text},
            {"core.https_allowed_methods", text},
            {"core.https_allowed_origin", text},
            {"core.https_trusted_proxy", isListOf(isIPAddress)},
            {"core.proxy_http", text},
            {"core.proxy_https", text},
            {"core.proxy_ignore_hosts", text},
            {"core.shutdown_timeout", isIntAtLeast(0)},
            {"core.trust_ca_certificates", isBool},
            {"core.trust_password", isAny},
            {"images.auto_update_cached", isBool},
            {"images.auto_update_interval", isIntAtLeast(0)},
            {"images.compression_algorithm", isCompressionAlgorithm},
            {"images.remote_cache_expiry", isIntAtLeast(0)},
            {"maas.api.key", text},
            {"maas.api.url", text},
            {"maas.machine", text},
            {"rbac.agent.private_key", text},
            {"rbac.agent.public_key", text},
            {"rbac.agent.url", text},
            {"rbac.agent.username", text},
            {"rbac.api.expiry", isInt64},
            {"rbac.api.key", text},
            {"rbac.api.url", text},
            {"storage.backups_volume", isPoolVolume},
            {"storage.images_volume", isPoolVolume},
        };
    }();
    return keys;
}

const std::string kContext = "Invalid config: ";

}  // namespace

void validateServerKey(const std::string& key, const std::string& value) {
    // user.* is the administrator's own free-form namespace (upstream accepts even "user.").
    if (key.rfind("user.", 0) == 0) return;
    const auto it = serverKeys().find(key);
    if (it == serverKeys().end()) throw BadRequest(kContext + "Unknown configuration key: " + key);
    checkValue(key, value, optional(it->second), kContext);
}

void validateServerConfig(const std::map<std::string, std::string>& config) {
    for (const auto& [key, value] : config) validateServerKey(key, value);
}

}  // namespace lxdp::config
