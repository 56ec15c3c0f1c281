#include "config/InstanceConfig.h"

#include <algorithm>
#include <cstring>
#include <cctype>
#include <optional>

#include "config/RawIdmap.h"
#include "config/Validators.h"
#include "util/ApiError.h"

namespace lxdp::config {

namespace {

constexpr auto kAny = InstanceKind::Any;
constexpr auto kCT = InstanceKind::Container;
constexpr auto kVM = InstanceKind::VirtualMachine;

struct Rule {
    Validator validate;
    InstanceKind only;
};

struct PrefixRule {
    std::string prefix;  // the key must be longer than this
    Rule rule;
};

const std::string kContext = "Invalid config: ";
const std::string kEnvironment = "environment.";

bool isNameChar(unsigned char c, const char* extra) {
    return std::isalnum(c) || std::string_view(extra).find(static_cast<char>(c)) != std::string_view::npos;
}

// linux.kernel_modules entries are handed to modprobe, so only plain module names are allowed.
void isKernelModuleName(const std::string& value) {
    if (value.empty() || value.front() == '-' ||
        !std::all_of(value.begin(), value.end(), [](unsigned char c) { return isNameChar(c, "_-"); }))
        throw InvalidValue("Invalid kernel module name \"" + value + "\"");
}

// security.syscalls.intercept.mount.fuse: comma-separated FSTYPE=FUSE-BINARY entries (ext4=fuse2fs).
// The binary becomes mount.fuse's "BINARY#SOURCE" argument inside the container, so '#', blanks
// and '=' are refused in it; a malformed entry would otherwise silently disable every mount.
void isFuseMountList(const std::string& value) {
    size_t start = 0;
    while (start <= value.size() && !value.empty()) {
        const size_t end = std::min(value.find(',', start), value.size());
        const std::string entry = value.substr(start, end - start);
        const size_t eq = entry.find('=');
        const bool ok = eq != std::string::npos && eq > 0 && eq + 1 < entry.size() &&
                        std::all_of(entry.begin(), entry.begin() + eq, [](unsigned char c) { return isNameChar(c, "._-"); }) &&
                        std::all_of(entry.begin() + eq + 1, entry.end(), [](unsigned char c) { return isNameChar(c, "._+-/"); });
        if (!ok)
            throw InvalidValue("\"" + entry + "\" is not of the form FILESYSTEM=FUSE-BINARY (ext4=fuse2fs)");
        start = end + 1;
    }
}

// nvidia.require.*: a version constraint such as ">=11.0" or "450.80,<500". The values reach the
// NVIDIA container hook's command line, so metacharacters are refused (GHSA-vfh7-q59q-54v2).
void isNvidiaVersionConstraint(const std::string& value) {
    if (!std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c) || std::strchr(".,<>= ", c); }))
        throw InvalidValue("Invalid version constraint \"" + value + "\"");
}

// LXD's table: any value is stored as a string, every key is optional (empty = unset).
const std::map<std::string, Rule>& exactKeys() {
    static const std::map<std::string, Rule> keys = [] {
        auto r = [](Validator v, InstanceKind only = kAny) { return Rule{optional(std::move(v)), only}; };
        return std::map<std::string, Rule>{
            {"boot.autostart", r(isBool)},
            {"boot.autostart.delay", r(isInt64)},
            {"boot.autostart.priority", r(isInt64)},
            {"boot.host_shutdown_timeout", r(isInt64)},
            {"boot.stop.priority", r(isInt64)},

            {"limits.cpu", r(isCPULimit)},
            {"limits.cpu.allowance", r(isCPUAllowance, kCT)},
            {"limits.cpu.priority", r(isPriority, kCT)},
            {"limits.disk.priority", r(isPriority)},
            {"limits.hugepages.64KB", r(isSize, kCT)},
            {"limits.hugepages.1MB", r(isSize, kCT)},
            {"limits.hugepages.2MB", r(isSize, kCT)},
            {"limits.hugepages.1GB", r(isSize, kCT)},
            {"limits.memory", r(isMemoryLimit)},
            {"limits.memory.enforce", r(isOneOf({"hard", "soft"}), kCT)},
            {"limits.memory.hugepages", r(isBool, kVM)},
            {"limits.memory.swap", r(isBool, kCT)},
            {"limits.memory.swap.priority", r(isPriority, kCT)},
            {"limits.network.priority", r(isPriority)},
            {"limits.processes", r(isInt64, kCT)},

            {"linux.kernel_modules", r(isListOf(isKernelModuleName), kCT)},

            {"migration.incremental.memory", r(isBool, kCT)},
            {"migration.incremental.memory.goal", r(isUint32, kCT)},
            {"migration.incremental.memory.iterations", r(isUint32, kCT)},
            {"migration.stateful", r(isBool, kVM)},

            {"nvidia.driver.capabilities",
             r(isListOf(isOneOf({"all", "compute", "compat32", "display", "graphics", "utility", "video"})), kCT)},
            {"nvidia.runtime", r(isBool, kCT)},
            {"nvidia.require.cuda", r(isNvidiaVersionConstraint, kCT)},
            {"nvidia.require.driver", r(isNvidiaVersionConstraint, kCT)},

            {"raw.apparmor", r(isAny)},
            {"raw.idmap", r(isRawIdmap, kCT)},
            {"raw.lxc", r(isAny, kCT)},
            {"raw.qemu", r(isAny, kVM)},
            {"raw.seccomp", r(isAny, kCT)},

            {"security.agent.metrics", r(isBool, kVM)},
            {"security.devlxd", r(isBool)},
            {"security.devlxd.images", r(isBool, kCT)},
            {"security.idmap.base", r(isUint32, kCT)},
            {"security.idmap.isolated", r(isBool, kCT)},
            {"security.idmap.size", r(isUint32, kCT)},
            {"security.nesting", r(isBool, kCT)},
            {"security.privileged", r(isBool, kCT)},
            {"security.protection.delete", r(isBool)},
            {"security.protection.shift", r(isBool, kCT)},
            {"security.secureboot", r(isBool, kVM)},
            {"security.syscalls.allow", r(isAny, kCT)},
            {"security.syscalls.deny", r(isAny, kCT)},
            {"security.syscalls.deny_compat", r(isBool, kCT)},
            {"security.syscalls.deny_default", r(isBool, kCT)},
            {"security.syscalls.intercept.mknod", r(isBool, kCT)},
            {"security.syscalls.intercept.mount", r(isBool, kCT)},
            {"security.syscalls.intercept.mount.allowed", r(isAny, kCT)},
            {"security.syscalls.intercept.mount.fuse", r(isFuseMountList, kCT)},
            {"security.syscalls.intercept.mount.shift", r(isBool, kCT)},
            {"security.syscalls.intercept.setxattr", r(isBool, kCT)},

            {"snapshots.schedule", r(isCron)},
            {"snapshots.schedule.stopped", r(isBool)},
            {"snapshots.pattern", r(isAny)},
            {"snapshots.expiry", r(isSnapshotExpiry)},

            // Written by the daemon only; the API refuses them on profiles (see validateInstanceKey).
            {"volatile.apply_template", r(isAny)},
            {"volatile.base_image", r(isAny)},
            // Upstream 5.0 sets it on every instance: its backups carry it here.
            {"volatile.cloud-init.instance-id", r(isAny)},
            {"volatile.idmap.base", r(isUint32)},
            {"volatile.idmap.current", r(isAny)},
            {"volatile.idmap.next", r(isAny)},
            {"volatile.last_state.idmap", r(isAny)},
            {"volatile.last_state.power", r(isAny)},
            {"volatile.vsock_id", r(isUint32, kVM)},
            {"volatile.uuid", r(isAny)},
        };
    }();
    return keys;
}

// Free-form namespaces. Values that end up in line-oriented liblxc config must stay on one line.
const std::vector<PrefixRule>& prefixKeys() {
    static const std::vector<PrefixRule> keys{
        {kEnvironment, {optional(isSingleLine), kAny}},
        {"image.", {isAny, kAny}},
        {"limits.kernel.", {optional(isSingleLine), kCT}},
        {"linux.sysctl.", {optional(isSingleLine), kCT}},
        {"user.", {isAny, kAny}},
    };
    return keys;
}

// volatile.<device>.<suffix>: per-device state. Device names may contain dots, so the suffix is
// matched from the end of the key.
const std::vector<std::string>& volatileDeviceSuffixes() {
    static const std::vector<std::string> suffixes{
        "apply_quota", "ceph_rbd", "host_name", "hwaddr", "name", "mtu",
        "last_state.created", "last_state.mtu", "last_state.hwaddr", "last_state.ip_addresses",
        "last_state.vf.id", "last_state.vf.hwaddr", "last_state.vf.vlan", "last_state.vf.spoofcheck",
    };
    return suffixes;
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::optional<Rule> lookup(const std::string& key) {
    if (auto it = exactKeys().find(key); it != exactKeys().end()) return it->second;
    for (const auto& p : prefixKeys())
        if (key.size() > p.prefix.size() && startsWith(key, p.prefix)) return p.rule;
    static const std::string kVolatile = "volatile.";
    if (startsWith(key, kVolatile)) {
        for (const auto& suffix : volatileDeviceSuffixes()) {
            // At least one character of device name between "volatile." and ".<suffix>".
            if (key.size() > kVolatile.size() + suffix.size() + 1 &&
                key.compare(key.size() - suffix.size() - 1, std::string::npos, "." + suffix) == 0)
                return Rule{isAny, kAny};
        }
    }
    return std::nullopt;
}

const char* kindName(InstanceKind kind) { return kind == kCT ? "containers" : "virtual machines"; }

}  // namespace

void validateInstanceKey(const std::string& key, const std::string& value, bool isProfile, InstanceKind kind) {
    if (isProfile && startsWith(key, "volatile."))
        throw BadRequest(kContext + "Volatile keys can only be set on instances");
    if (isProfile && startsWith(key, "image."))
        throw BadRequest(kContext + "Image keys can only be set on instances");
    // The variable name becomes part of an "lxc.environment = NAME=value" line.
    if (startsWith(key, kEnvironment) &&
        !std::all_of(key.begin() + kEnvironment.size(), key.end(), [](unsigned char c) { return isNameChar(c, "_.-"); }))
        throw BadRequest(kContext + "Invalid environment variable name in \"" + key + "\"");

    const auto rule = lookup(key);
    if (!rule) throw BadRequest(kContext + "Unknown configuration key: " + key);
    if (!isProfile && kind != kAny && rule->only != kAny && rule->only != kind)
        throw BadRequest(kContext + "Configuration key \"" + key + "\" is only supported by " + kindName(rule->only));
    checkValue(key, value, rule->validate, kContext);
}

void validateInstanceConfig(const std::map<std::string, std::string>& config, bool isProfile, InstanceKind kind) {
    for (const auto& [key, value] : config) validateInstanceKey(key, value, isProfile, kind);
    // raw.seccomp replaces the whole policy and an allow list replaces the deny lists: as
    // upstream, the combinations are refused rather than one silently ignored.
    const auto set = [&](const char* key) { return config.count(key) != 0; };
    const auto on = [&](const char* key) {
        const auto it = config.find(key);
        return it != config.end() && isTrue(it->second);
    };
    const bool allow = set("security.syscalls.allow");
    const bool deny = set("security.syscalls.deny") || on("security.syscalls.deny_default") ||
                      on("security.syscalls.deny_compat");
    if (set("raw.seccomp") && (allow || deny))
        throw BadRequest(kContext + "raw.seccomp is mutually exclusive with security.syscalls*");
    if (allow && deny)
        throw BadRequest(kContext + "security.syscalls.allow is mutually exclusive with security.syscalls.deny*");
}

std::vector<std::string> knownInstanceKeys() {
    std::vector<std::string> out;
    for (const auto& [key, rule] : exactKeys()) out.push_back(key);
    for (const auto& p : prefixKeys()) out.push_back(p.prefix + "*");
    for (const auto& suffix : volatileDeviceSuffixes()) out.push_back("volatile.<name>." + suffix);
    return out;
}

}  // namespace lxdp::config
