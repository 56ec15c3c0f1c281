#include "services/ProjectPolicy.h"

#include <lxdp/storage.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "config/Devices.h"
#include "config/ProjectRestrictions.h"
#include "config/Validators.h"
#include "db/Database.h"
#include "db/NetworkQueries.h"
#include "services/ProjectFeatures.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {

using config::RestrictedEntity;

// The limits.* keys that bound the sum of their instance-level namesakes (spec "Project limits").
const std::vector<std::string>& aggregateKeys() {
    static const std::vector<std::string> keys = {"limits.cpu", "limits.disk", "limits.memory", "limits.processes"};
    return keys;
}

const std::map<std::string, int>& countKeys() {
    static const std::map<std::string, int> keys = {{"limits.containers", 0}, {"limits.virtual-machines", 1}};
    return keys;
}

std::string valueOf(const db::StringMap& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
}

bool hasLimitsOrRestrictions(const db::StringMap& config) {
    if (config::isRestricted(config)) return true;
    for (const auto& [k, v] : config)
        if (k.rfind("limits.", 0) == 0 && !v.empty()) return true;
    return false;
}

RestrictedEntity entityOf(int type) { return type == 1 ? RestrictedEntity::VirtualMachine : RestrictedEntity::Container; }

// A limit's value in the unit totals are kept in (bytes, CPUs, processes).
int64_t limitValue(const std::string& key, const std::string& value) {
    if (key == "limits.memory" && !value.empty() && value.back() == '%')
        throw config::InvalidValue("a percentage can't count towards a project limit");
    if (key == "limits.memory" || key == "limits.disk") return config::parseByteSize(value);
    if (key == "limits.cpu" && value.find_first_of(",-") != std::string::npos)
        throw config::InvalidValue("CPUs can't be pinned if project limits are used");
    return static_cast<int64_t>(config::parseUint(value, UINT32_MAX));
}

std::string printed(const std::string& key, int64_t total) {
    if (key != "limits.memory" && key != "limits.disk") return std::to_string(total);
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(total);
    int unit = 0;
    while (v >= 1024 && unit < 6) {
        v /= 1024;
        unit++;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f%s" : "%.2f%s", v, units[unit]);
    return buf;
}

std::string printedType(int type) { return type == 1 ? "virtual-machine" : "container"; }

}  // namespace

db::StringMap ProjectPolicy::configOf(const std::string& project) {
    auto p = db_.project(project);
    if (!p) throw NotFound("Project not found");
    return p->config;
}

std::vector<ProjectPolicy::Instance> ProjectPolicy::instancesOf(const std::string& project,
                                                                const db::InstanceRecord* candidate,
                                                                const db::ProfileRecord* profile) {
    const std::string profilesIn = profileProject(db_, project);
    std::map<std::string, db::ProfileRecord> profiles;
    for (auto& p : db_.profiles(profilesIn)) profiles.emplace(p.name, std::move(p));
    if (profile != nullptr && profile->project == profilesIn) profiles[profile->name] = *profile;
    const ProfileLookup lookup = [&](const std::string& name) -> const db::ProfileRecord* {
        auto it = profiles.find(name);
        return it == profiles.end() ? nullptr : &it->second;
    };
    std::vector<Instance> out;
    for (const auto& rec : db_.instances(project))
        if (candidate == nullptr || rec.name != candidate->name)
            out.push_back({rec.name, rec.type, expandInstance(rec, lookup)});
    if (candidate != nullptr) out.push_back({candidate->name, candidate->type, expandInstance(*candidate, lookup)});
    return out;
}

std::vector<db::VolumeRecord> ProjectPolicy::volumesOf(const std::string& project, const db::VolumeRecord* volume) {
    const std::string volumesIn = volumeProject(db_, project);
    std::vector<db::VolumeRecord> out;
    for (const auto& pool : db_.pools())
        for (auto& v : db_.volumes(pool.name))
            if (v.type == static_cast<int>(LXDP_VOLUME_CUSTOM) && v.project == volumesIn &&
                (volume == nullptr || v.pool != volume->pool || v.name != volume->name))
                out.push_back(std::move(v));
    if (volume != nullptr) out.push_back(*volume);
    return out;
}

// Upstream counts an instance without the key as an error, not as zero: the bound would mean
// nothing.
std::map<std::string, int64_t> ProjectPolicy::totalsOf(const std::string& project, const std::vector<std::string>& keys,
                                                       const std::vector<Instance>& instances,
                                                       const std::vector<db::VolumeRecord>& volumes, bool skipUnset) {
    std::map<std::string, int64_t> totals;
    for (const auto& key : keys) {
        int64_t& total = totals[key];
        for (const auto& [name, type, ex] : instances) {
            std::string value;
            if (key == "limits.disk") {
                if (auto root = config::findRootDisk(ex.devices)) value = valueOf(root->second, "size");
                if (value.empty() && skipUnset) continue;
                if (value.empty())
                    throw BadRequest("Instance \"" + name + "\" in project \"" + project +
                                     "\" has no \"size\" config set on the root device either directly or via a "
                                     "profile, as \"limits.disk\" of the project requires");
            } else {
                value = valueOf(ex.config, key);
                if (value.empty() && skipUnset) continue;
                if (value.empty())
                    throw BadRequest("Instance \"" + name + "\" in project \"" + project + "\" has no \"" + key +
                                     "\" config, either directly or via a profile, as \"" + key +
                                     "\" of the project requires");
            }
            try {
                total += limitValue(key, value);
            } catch (const std::exception& e) {
                if (skipUnset) continue;
                throw BadRequest("Invalid value \"" + value + "\" for \"" + key + "\" of instance \"" + name +
                                 "\" in project \"" + project + "\": " + e.what());
            }
        }
        if (key != "limits.disk") continue;
        for (const auto& v : volumes) {
            const std::string size = valueOf(v.config, "size");
            if (size.empty() && skipUnset) continue;
            if (size.empty())
                throw BadRequest("Custom volume \"" + v.name + "\" in project \"" + project +
                                 "\" has no \"size\" config set, as \"limits.disk\" of the project requires");
            total += config::parseByteSize(size);
        }
        // Images count in the project that keeps its own (features.images), as upstream's
        // "instances volumes, custom volumes and images of the project".
        if (imageProject(db_, project) == project)
            for (const auto& image : db_.images(project)) total += image.size;
    }
    return totals;
}

void ProjectPolicy::checkAggregates(const std::string& project, const db::StringMap& config,
                                    const std::vector<std::string>& keys, const std::vector<Instance>& instances,
                                    const std::vector<db::VolumeRecord>& volumes) {
    const auto totals = totalsOf(project, keys, instances, volumes);
    for (const auto& key : keys)
        if (totals.at(key) > limitValue(key, config.at(key)))
            throw BadRequest("Reached maximum aggregate value \"" + config.at(key) + "\" for \"" + key +
                             "\" in project \"" + project + "\"");
}

void ProjectPolicy::checkCounts(const std::string& project, const db::StringMap& config,
                                const std::vector<Instance>& instances) {
    for (const auto& [key, type] : countKeys()) {
        const std::string limit = valueOf(config, key);
        if (limit.empty()) continue;
        uint64_t count = 0;
        for (const auto& i : instances) count += i.type == type ? 1 : 0;
        if (count > config::parseUint(limit, UINT32_MAX))
            throw BadRequest("Reached maximum number of instances of type \"" + printedType(type) + "\" in project \"" +
                             project + "\" (\"" + key + "\" is " + limit + ")");
    }
}

void ProjectPolicy::checkAllRestrictions(const std::string& project, const db::StringMap& config,
                                         const std::vector<Instance>& instances) {
    for (const auto& i : instances)
        config::checkRestrictions(config, project, entityOf(i.type), i.name, i.expanded.config, i.expanded.devices);
    if (profileProject(db_, project) != project) return;
    for (const auto& p : db_.profiles(project))
        config::checkRestrictions(config, project, RestrictedEntity::Profile, p.name, p.config, p.devices);
}

void ProjectPolicy::checkInstance(const db::InstanceRecord& candidate, const db::InstanceRecord* current) {
    const auto config = configOf(candidate.project);
    config::checkVolatileKeys(config, candidate.project, entityOf(candidate.type), candidate.name, candidate.config,
                              current ? current->config : db::StringMap{});
    checkProjectRoom(candidate);
}

void ProjectPolicy::checkProjectRoom(const db::InstanceRecord& candidate) {
    const auto config = configOf(candidate.project);
    if (!hasLimitsOrRestrictions(config)) return;
    const auto instances = instancesOf(candidate.project, &candidate, nullptr);
    const Instance& self = instances.back();
    config::checkRestrictions(config, candidate.project, entityOf(self.type), self.name, self.expanded.config,
                              self.expanded.devices);
    checkCounts(candidate.project, config, instances);
    std::vector<std::string> keys;
    for (const auto& key : aggregateKeys())
        if (!valueOf(config, key).empty()) keys.push_back(key);
    if (!keys.empty()) checkAggregates(candidate.project, config, keys, instances, volumesOf(candidate.project, nullptr));
}

void ProjectPolicy::checkProfile(const db::ProfileRecord& profile) {
    config::checkRestrictions(configOf(profile.project), profile.project, RestrictedEntity::Profile, profile.name,
                              profile.config, profile.devices);
    for (const auto& project : db_.projects()) {
        if (!hasLimitsOrRestrictions(project.config) || profileProject(db_, project.name) != profile.project) continue;
        const auto instances = instancesOf(project.name, nullptr, &profile);
        for (const auto& i : instances)
            config::checkRestrictions(project.config, project.name, entityOf(i.type), i.name, i.expanded.config,
                                      i.expanded.devices);
        std::vector<std::string> keys;
        for (const auto& key : aggregateKeys())
            if (!valueOf(project.config, key).empty()) keys.push_back(key);
        if (!keys.empty()) checkAggregates(project.name, project.config, keys, instances, volumesOf(project.name, nullptr));
    }
}

void ProjectPolicy::checkProjectConfig(const std::string& project, const db::StringMap& config) {
    const auto current = configOf(project);
    std::set<std::string> changed;
    for (const auto& [k, v] : config)
        if (valueOf(current, k) != v) changed.insert(k);
    for (const auto& [k, v] : current)
        if (!config.count(k)) changed.insert(k);
    if (changed.empty()) return;
    const auto instances = instancesOf(project, nullptr, nullptr);

    for (const auto& key : changed) {
        if (key.rfind("restricted", 0) != 0) continue;
        try {
            checkAllRestrictions(project, config, instances);
        } catch (const ApiError& e) {
            throw BadRequest("Conflict detected when changing \"" + key + "\" in project \"" + project + "\": " +
                             e.what());
        }
        break;
    }
    for (const auto& [key, type] : countKeys()) {
        const std::string limit = valueOf(config, key);
        if (!changed.count(key) || limit.empty()) continue;
        uint64_t count = 0;
        for (const auto& i : instances) count += i.type == type ? 1 : 0;
        if (count > config::parseUint(limit, UINT32_MAX))
            throw BadRequest("\"" + key + "\" is too low: there currently are " + std::to_string(count) +
                             " instances of type " + printedType(type) + " in project \"" + project + "\"");
    }
    if (const std::string limit = valueOf(config, "limits.networks"); changed.count("limits.networks") && !limit.empty()) {
        const auto count = db::networks(db_, project).size();
        if (count > config::parseUint(limit, UINT32_MAX))
            throw BadRequest("\"limits.networks\" is too low: there currently are " + std::to_string(count) +
                             " networks in project \"" + project + "\"");
    }
    std::vector<std::string> keys;
    for (const auto& key : aggregateKeys())
        if (changed.count(key) && !valueOf(config, key).empty()) keys.push_back(key);
    if (keys.empty()) return;
    const auto totals = totalsOf(project, keys, instances, volumesOf(project, nullptr));
    for (const auto& key : keys) {
        int64_t limit = 0;
        try {
            limit = limitValue(key, config.at(key));
        } catch (const std::exception& e) {
            throw BadRequest("Invalid value \"" + config.at(key) + "\" for \"" + key + "\": " + e.what());
        }
        if (totals.at(key) > limit)
            throw BadRequest("\"" + key + "\" is too low: current total is \"" + printed(key, totals.at(key)) + "\"");
    }
}

void ProjectPolicy::checkVolume(const db::VolumeRecord& volume) {
    const auto config = configOf(volume.project);
    // A shifted volume hands the container's root the ownership of what it holds, setuid files
    // included (CVE-2025-64507): not in a restricted project.
    if (config::isRestricted(config) && config::isTrue(valueOf(volume.config, "security.shifted")))
        throw Forbidden("Invalid value \"" + valueOf(volume.config, "security.shifted") +
                        "\" for config \"security.shifted\" on custom volume \"" + volume.name + "\" of project \"" +
                        volume.project + "\": Shifted custom volumes are forbidden");
    if (valueOf(config, "limits.disk").empty()) return;
    checkAggregates(volume.project, config, {"limits.disk"}, instancesOf(volume.project, nullptr, nullptr),
                    volumesOf(volume.project, &volume));
}

std::optional<int64_t> ProjectPolicy::diskRoom(const std::string& project) {
    const std::string limit = valueOf(configOf(project), "limits.disk");
    if (limit.empty()) return std::nullopt;
    const auto totals = totalsOf(project, {"limits.disk"}, instancesOf(project, nullptr, nullptr),
                                 volumesOf(project, nullptr), true);
    return std::max<int64_t>(0, limitValue("limits.disk", limit) - totals.at("limits.disk"));
}

void ProjectPolicy::checkNetworkCreation(const std::string& project) {
    const std::string limit = valueOf(configOf(project), "limits.networks");
    if (!limit.empty() && db::networks(db_, project).size() + 1 > config::parseUint(limit, UINT32_MAX))
        throw BadRequest("Reached maximum number of networks in project \"" + project + "\" (\"limits.networks\" is " +
                         limit + ")");
}

std::map<std::string, ProjectPolicy::Resource> ProjectPolicy::usage(const std::string& project) {
    const auto config = configOf(project);
    const auto instances = instancesOf(project, nullptr, nullptr);
    auto limitOf = [&](const std::string& key) -> int64_t {
        const std::string value = valueOf(config, key);
        return value.empty() ? -1 : limitValue(key, value);
    };
    std::map<std::string, Resource> out;
    out["instances"] = {-1, static_cast<int64_t>(instances.size())};
    for (const auto& [key, type] : countKeys()) {
        int64_t count = 0;
        for (const auto& i : instances) count += i.type == type ? 1 : 0;
        out[key.substr(7)] = {limitOf(key), count};
    }
    out["networks"] = {limitOf("limits.networks"), static_cast<int64_t>(db::networks(db_, project).size())};
    // Values that cannot be summed (unset, a pinned CPU set, a percentage) count as zero.
    const auto totals = totalsOf(project, aggregateKeys(), instances, volumesOf(project, nullptr), true);
    for (const auto& key : aggregateKeys()) out[key.substr(7)] = {limitOf(key), totals.at(key)};
    return out;
}

void ProjectPolicy::checkFeature(const std::string& project, const std::string& restrictionKey, const std::string& what) {
    const auto config = configOf(project);
    if (config::isRestricted(config) && config::restriction(config, restrictionKey) == "block")
        throw Forbidden("Project \"" + project + "\" doesn't allow for " + what + " (" + restrictionKey + ")");
}

}  // namespace lxdp::services
