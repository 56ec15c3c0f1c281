#include "config/ProjectRestrictions.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <set>
#include <sstream>
#include <vector>

#include "config/Validators.h"
#include "util/ApiError.h"

namespace lxdp::config {

namespace {

// Upstream's defaults (lxd/project/permissions.go allRestrictions).
const std::map<std::string, std::string>& restrictionDefaults() {
    static const std::map<std::string, std::string> defaults = {
        {"restricted.backups", "block"},
        {"restricted.cluster.target", "block"},
        {"restricted.containers.interception", "block"},
        {"restricted.containers.lowlevel", "block"},
        {"restricted.containers.nesting", "block"},
        {"restricted.containers.privilege", "unprivileged"},
        {"restricted.devices.disk", "managed"},
        {"restricted.devices.gpu", "block"},
        {"restricted.devices.infiniband", "block"},
        {"restricted.devices.nic", "managed"},
        {"restricted.devices.pci", "block"},
        {"restricted.devices.proxy", "block"},
        {"restricted.devices.unix-block", "block"},
        {"restricted.devices.unix-char", "block"},
        {"restricted.devices.unix-hotplug", "block"},
        {"restricted.devices.usb", "block"},
        {"restricted.snapshots", "block"},
        {"restricted.virtual-machines.lowlevel", "block"},
    };
    return defaults;
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// Syscall interception, allowed by restricted.containers.interception rather than lowlevel.
bool isInterceptionKey(const std::string& key) { return startsWith(key, "security.syscalls.intercept."); }

// The config keys a restricted project may use without low-level access: what only limits,
// describes or schedules the instance, and the security keys that have their own restriction.
bool isSafeKey(const std::string& key, RestrictedEntity entity) {
    static const std::set<std::string> exact = {
        "boot.autostart",          "boot.autostart.delay",         "boot.autostart.priority",
        "boot.stop.priority",      "security.nesting",             "security.privileged",
        "security.idmap.isolated", "security.protection.delete",   "security.protection.shift",
        "security.devlxd",         "security.secureboot",          "security.agent.metrics",
        "security.syscalls.deny",  "security.syscalls.deny_compat"};
    static const std::vector<std::string> prefixes = {"limits.",    "snapshots.",   "user.",     "environment.",
                                                      "image.",     "migration.",   "nvidia.",   "linux.sysctl.",
                                                      "cloud-init."};
    // Huge pages of a VM's memory are back-end tuning upstream keeps for VM low-level access.
    if (entity != RestrictedEntity::Container && key == "limits.memory.hugepages") return false;
    if (exact.count(key) || isInterceptionKey(key)) return true;
    for (const auto& p : prefixes)
        if (startsWith(key, p)) return true;
    return false;
}

std::string entityLabel(RestrictedEntity entity) {
    switch (entity) {
    case RestrictedEntity::Container: return "container";
    case RestrictedEntity::VirtualMachine: return "virtual-machine";
    default: return "profile";
    }
}

bool lowLevelAllowed(const StringMap& projectConfig, RestrictedEntity entity) {
    const bool containers = restriction(projectConfig, "restricted.containers.lowlevel") == "allow";
    const bool vms = restriction(projectConfig, "restricted.virtual-machines.lowlevel") == "allow";
    if (entity == RestrictedEntity::Container) return containers;
    if (entity == RestrictedEntity::VirtualMachine) return vms;
    return containers && vms;
}

// The items of a comma-separated list, trimmed, empty ones dropped.
std::vector<std::string> splitList(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream in(list);
    std::string item;
    while (std::getline(in, item, ','))
        if (const auto first = item.find_first_not_of(' '); first != std::string::npos)
            out.push_back(item.substr(first, item.find_last_not_of(' ') - first + 1));
    return out;
}

// An inclusive range of host ids.
struct IdRange {
    uint64_t first;
    uint64_t last;
};

IdRange parseRange(const std::string& text) {
    const size_t dash = text.find('-');
    const uint64_t first = parseUint(text.substr(0, dash), UINT32_MAX);
    const uint64_t last = dash == std::string::npos ? first : parseUint(text.substr(dash + 1), UINT32_MAX);
    if (last < first) throw InvalidValue("Invalid range \"" + text + "\"");
    return {first, last};
}

// restricted.idmap.uid/gid: comma-separated host ids or ranges ("1000-1999,3000").
std::vector<IdRange> parseRangeList(const std::string& list) {
    std::vector<IdRange> out;
    for (const auto& item : splitList(list)) out.push_back(parseRange(item));
    return out;
}

bool covered(const IdRange& r, const std::vector<IdRange>& allowed) {
    for (const auto& a : allowed)
        if (r.first >= a.first && r.last <= a.last) return true;
    return false;
}

// raw.idmap lines "uid|gid|both HOST NS": every host range must lie in the project's ranges.
// Returns the index of the first line that does not, or -1.
int firstUncoveredIdmapLine(const std::string& rawIdmap, const StringMap& projectConfig) {
    const auto uids = parseRangeList(restriction(projectConfig, "restricted.idmap.uid"));
    const auto gids = parseRangeList(restriction(projectConfig, "restricted.idmap.gid"));
    std::stringstream in(rawIdmap);
    std::string line;
    int index = 0;
    while (std::getline(in, line)) {
        std::stringstream words(line);
        std::string kind, host;
        if (!(words >> kind)) continue;
        try {
            if (!(words >> host)) return index;
            const IdRange r = parseRange(host);
            const bool uidOk = kind == "gid" || covered(r, uids);
            const bool gidOk = kind == "uid" || covered(r, gids);
            if ((kind != "uid" && kind != "gid" && kind != "both") || !uidOk || !gidOk) return index;
        } catch (const std::exception&) {
            return index;
        }
        index++;
    }
    return -1;
}

// restricted.devices.disk.paths: a host path is allowed when it lies under one of them (whole
// path components, after lexical cleaning, so "/srv/a/../../etc" is "/etc").
bool diskPathAllowed(const StringMap& projectConfig, const std::string& source) {
    const std::string paths = restriction(projectConfig, "restricted.devices.disk.paths");
    auto clean = [](const std::string& p) {
        std::string s = std::filesystem::path(p).lexically_normal().string();
        while (s.size() > 1 && s.back() == '/') s.pop_back();
        return s == "/" ? s : s + "/";
    };
    const std::string wanted = clean(source);
    for (const auto& allowed : splitList(paths))
        if (wanted.rfind(clean(allowed), 0) == 0) return true;
    return false;
}

// Why the project refuses a device, or "" when it allows it.
std::string deviceRefusal(const StringMap& projectConfig, const StringMap& device) {
    auto get = [&](const char* key) {
        auto it = device.find(key);
        return it == device.end() ? std::string() : it->second;
    };
    const std::string type = get("type");
    if (type == "disk") {
        if (get("path") == "/" && !get("pool").empty() && get("source").empty()) return "";  // the root disk
        const std::string mode = restriction(projectConfig, "restricted.devices.disk");
        if (mode == "block") return "Disk devices are forbidden";
        if (mode == "managed" && get("pool").empty()) return "Attaching disks not backed by a pool is forbidden";
        const bool hostPath = get("pool").empty();
        const bool listed = hostPath && diskPathAllowed(projectConfig, get("source"));
        const bool pathsSet = !restriction(projectConfig, "restricted.devices.disk.paths").empty();
        if (mode == "allow" && hostPath && pathsSet && !listed)
            return "Disk source path \"" + get("source") + "\" not allowed";
        // Shifting a host path gives the container's root ownership of what is there (and
        // setuid binaries to go with it): only paths the project lists explicitly
        // (GHSA-x9qq-236j-gj97).
        if (isTrue(get("shift")) && !(mode == "allow" && listed))
            return "Shifted disks are only allowed on paths listed in restricted.devices.disk.paths";
        return "";
    }
    if (type == "nic") {
        const std::string mode = restriction(projectConfig, "restricted.devices.nic");
        if (mode == "block") return "Network devices are forbidden";
        if (mode == "managed" && get("network").empty()) return "Only managed network devices are allowed";
        const std::string access = restriction(projectConfig, "restricted.networks.access");
        const std::string network = !get("network").empty() ? get("network") : get("parent");
        const auto allowed = splitList(access);
        if (!access.empty() && !network.empty() && std::find(allowed.begin(), allowed.end(), network) == allowed.end())
            return "Network \"" + network + "\" not allowed in project";
        return "";
    }
    static const std::map<std::string, std::string> simple = {
        {"unix-char", "Unix character devices are forbidden"}, {"unix-block", "Unix block devices are forbidden"},
        {"unix-hotplug", "Unix hotplug devices are forbidden"}, {"infiniband", "Infiniband devices are forbidden"},
        {"gpu", "GPU devices are forbidden"},                   {"usb", "USB devices are forbidden"},
        {"pci", "PCI devices are forbidden"},                   {"proxy", "Proxy devices are forbidden"}};
    if (auto it = simple.find(type); it != simple.end() && restriction(projectConfig, "restricted.devices." + type) != "allow")
        return it->second;
    return "";
}

// Why the project refuses config key = value, or "" when it allows it.
std::string configRefusal(const StringMap& projectConfig, RestrictedEntity entity, const std::string& key,
                          const std::string& value) {
    if (startsWith(key, "volatile.")) return "";  // checkVolatileKeys
    if (!lowLevelAllowed(projectConfig, entity)) {
        if (key == "raw.idmap") {
            if (const int line = firstUncoveredIdmapLine(value, projectConfig); line >= 0)
                return "Use of low-level \"raw.idmap\" element " + std::to_string(line) +
                       " is forbidden (its host ids are outside restricted.idmap.uid/gid)";
        } else if (!isSafeKey(key, entity)) {
            return "Use of low-level config \"" + key + "\" is forbidden";
        }
    }
    if (entity == RestrictedEntity::VirtualMachine) return "";
    if (key == "security.nesting" && isTrue(value) && restriction(projectConfig, "restricted.containers.nesting") != "allow")
        return "Container nesting is forbidden";
    const std::string privilege = restriction(projectConfig, "restricted.containers.privilege");
    if (key == "security.privileged" && isTrue(value) && privilege != "allow") return "Privileged containers are forbidden";
    if (isInterceptionKey(key) && isTrue(value) &&
        restriction(projectConfig, "restricted.containers.interception") != "allow")
        return "Container syscall interception is forbidden";
    return "";
}

}  // namespace

void isIdRangeList(const std::string& value) { parseRangeList(value); }

void isAbsPathList(const std::string& value) {
    for (const auto& path : splitList(value))
        if (path.front() != '/') throw InvalidValue("\"" + path + "\" is not an absolute path");
}

bool isRestricted(const StringMap& projectConfig) {
    auto it = projectConfig.find("restricted");
    return it != projectConfig.end() && isTrue(it->second);
}

std::string restriction(const StringMap& projectConfig, const std::string& key) {
    if (auto it = projectConfig.find(key); it != projectConfig.end()) return it->second;
    auto def = restrictionDefaults().find(key);
    return def == restrictionDefaults().end() ? std::string() : def->second;
}

void checkRestrictions(const StringMap& projectConfig, const std::string& project, RestrictedEntity entity,
                       const std::string& name, const StringMap& config,
                       const std::map<std::string, StringMap>& devices) {
    if (!isRestricted(projectConfig)) return;
    const std::string what = entityLabel(entity) + " \"" + name + "\" of project \"" + project + "\"";
    for (const auto& [key, value] : config)
        if (const std::string why = configRefusal(projectConfig, entity, key, value); !why.empty())
            throw Forbidden("Invalid value \"" + value + "\" for config \"" + key + "\" on " + what + ": " + why);
    // isolated: every container must have its own id range.
    if (entity == RestrictedEntity::Container &&
        restriction(projectConfig, "restricted.containers.privilege") == "isolated") {
        auto it = config.find("security.idmap.isolated");
        if (it == config.end() || !isTrue(it->second))
            throw Forbidden("Invalid value for config \"security.idmap.isolated\" on " + what +
                            ": Non-isolated containers are forbidden");
    }
    for (const auto& [device, deviceConfig] : devices)
        if (const std::string why = deviceRefusal(projectConfig, deviceConfig); !why.empty())
            throw Forbidden("Invalid device \"" + device + "\" on " + what + ": " + why);
}

void checkVolatileKeys(const StringMap& projectConfig, const std::string& project, RestrictedEntity entity,
                       const std::string& name, const StringMap& config, const StringMap& current) {
    if (!isRestricted(projectConfig) || lowLevelAllowed(projectConfig, entity)) return;
    static const std::set<std::string> harmless = {"volatile.apply_template", "volatile.base_image",
                                                   "volatile.last_state.power"};
    for (const auto& [key, value] : config) {
        if (!startsWith(key, "volatile.") || harmless.count(key)) continue;
        if (key.size() > 7 && key.compare(key.size() - 7, 7, ".hwaddr") == 0) continue;
        auto it = current.find(key);
        if (it == current.end() || it->second != value)
            throw Forbidden("Setting \"" + key + "\" on " + entityLabel(entity) + " \"" + name + "\" in project \"" +
                            project + "\" is forbidden");
    }
}

}  // namespace lxdp::config
