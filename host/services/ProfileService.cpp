#include "services/ProfileService.h"

#include <algorithm>

#include "config/Devices.h"
#include "config/InstanceConfig.h"
#include "config/Names.h"
#include "db/Database.h"
#include "events/EventHub.h"
#include "services/InstanceService.h"
#include "services/ProjectFeatures.h"
#include "util/ApiError.h"
#include "util/Hash.h"

namespace lxdp::services {

db::ProfileRecord ProfileService::get(const std::string& project, const std::string& name) {
    auto p = db_.profile(project, name);
    if (!p) throw NotFound("Profile not found");
    return *p;
}

void ProfileService::validate(const db::ProfileRecord& profile) {
    config::validateInstanceConfig(profile.config, true);
    config::validateDevices(profile.devices, true);
}

void ProfileService::create(const db::ProfileRecord& profile) {
    config::checkProfileName(profile.name);
    validate(profile);
    policy_.checkProfile(profile);
    if (db_.profile(profile.project, profile.name))
        throw Conflict("Error inserting \"" + profile.name + "\" into database: The profile already exists");
    db_.createProfile(profile);
    events_.lifecycle(profile.project, "profile-created", "/1.0/profiles/" + profile.name);
}

void ProfileService::update(const db::ProfileRecord& profile) {
    const auto before = get(profile.project, profile.name);
    validate(profile);
    policy_.checkProfile(profile);
    const auto store = [this](const db::ProfileRecord& p) { db_.updateProfile(p); };
    if (instances_ != nullptr) instances_->followProfile(before, profile, store);
    else store(profile);
    events_.lifecycle(profile.project, "profile-updated", "/1.0/profiles/" + profile.name);
}

void ProfileService::rename(const std::string& project, const std::string& from, const std::string& to) {
    get(project, from);
    if (from == "default") throw Forbidden("The \"default\" profile cannot be renamed");
    config::checkProfileName(to);
    if (db_.profile(project, to)) throw Conflict("Name '" + to + "' already in use");
    db_.renameProfile(project, from, to);
    events_.lifecycle(project, "profile-renamed", "/1.0/profiles/" + to, {{"old_name", from}});
}

void ProfileService::remove(const std::string& project, const std::string& name) {
    get(project, name);
    if (name == "default") throw Forbidden("The \"default\" profile cannot be deleted");
    if (!usedBy(project, name).empty()) throw BadRequest("Profile is currently in use");
    db_.deleteProfile(project, name);
    events_.lifecycle(project, "profile-deleted", "/1.0/profiles/" + name);
}

std::vector<std::string> ProfileService::usedBy(const std::string& project, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& p : db_.projects()) {
        if (profileProject(db_, p.name) != project) continue;
        const std::string suffix = p.name == "default" ? "" : "?project=" + p.name;
        for (const auto& inst : db_.instances(p.name))
            if (std::find(inst.profiles.begin(), inst.profiles.end(), name) != inst.profiles.end())
                out.push_back("/1.0/instances/" + inst.name + suffix);
    }
    return out;
}

nlohmann::json ProfileService::render(const db::ProfileRecord& p) {
    return {{"name", p.name},       {"description", p.description}, {"config", p.config},
            {"devices", p.devices}, {"used_by", usedBy(p.project, p.name)}};
}

std::string ProfileService::etag(const db::ProfileRecord& p) {
    nlohmann::json editable = {{"description", p.description}, {"config", p.config}, {"devices", p.devices}};
    return util::sha256Hex(editable.dump());
}

}  // namespace lxdp::services
