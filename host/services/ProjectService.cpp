#include "services/ProjectService.h"

#include <lxdp/storage.h>

#include "config/Names.h"
#include "config/ProjectConfig.h"
#include "config/Validators.h"
#include "db/Database.h"
#include "events/EventHub.h"
#include "util/ApiError.h"
#include "util/Hash.h"

namespace lxdp::services {

db::ProjectRecord ProjectService::get(const std::string& name) {
    auto p = db_.project(name);
    if (!p) throw NotFound("Project not found");
    return *p;
}

void ProjectService::create(db::ProjectRecord project) {
    config::checkProjectName(project.name);
    for (const auto& [k, v] : config::defaultProjectFeatures()) project.config.try_emplace(k, v);
    config::validateProjectConfig(project.config);
    db_.transaction([&] {
        if (db_.project(project.name)) throw Conflict("Project \"" + project.name + "\" already exists");
        db_.createProject(project);
        // A project with its own profiles starts with an empty default profile, as upstream.
        if (config::isTrue(project.config["features.profiles"])) createDefaultProfile(project.name);
    });
    events_.lifecycle(project.name, "project-created", "/1.0/projects/" + project.name);
}

void ProjectService::update(const db::ProjectRecord& project) {
    auto current = get(project.name);
    config::validateProjectConfig(project.config);
    policy_.checkProjectConfig(project.name, project.config);
    auto enabled = [](const db::ProjectRecord& p, const std::string& feature) {
        auto it = p.config.find(feature);
        return it != p.config.end() && config::isTrue(it->second);
    };
    if (project.name == "default")
        for (const auto& [k, v] : config::defaultProjectFeatures())
            if (project.config.count(k) && !config::isTrue(project.config.at(k)))
                throw BadRequest("You can't change the features of the default project");
    // Switching a feature would strand what the project holds (or leave its instances without
    // what they use): upstream allows it only while the project is empty.
    bool profilesSwitched = false;
    for (const auto& [k, v] : config::defaultProjectFeatures()) {
        const bool after = enabled(project, k);
        if (enabled(current, k) == after || project.name == "default") continue;
        if (!usedBy(project.name).empty())
            throw BadRequest("Project feature \"" + k + "\" cannot be " + (after ? "enabled" : "disabled") +
                             " on non-empty projects");
        profilesSwitched = profilesSwitched || k == "features.profiles";
    }
    db_.transaction([&] {
        db_.updateProject(project);
        // As at creation, a project keeping its own profiles has its own default profile.
        if (!profilesSwitched) return;
        if (!enabled(project, "features.profiles")) db_.deleteProfile(project.name, "default");
        else if (!db_.profile(project.name, "default")) createDefaultProfile(project.name);
    });
    events_.lifecycle(project.name, "project-updated", "/1.0/projects/" + project.name);
}

void ProjectService::createDefaultProfile(const std::string& project) {
    db::ProfileRecord profile;
    profile.project = project;
    profile.name = "default";
    profile.description = "Default LXD profile for project " + project;
    db_.createProfile(profile);
}

void ProjectService::rename(const std::string& from, const std::string& to) {
    get(from);
    if (from == "default") throw Forbidden("The 'default' project cannot be renamed");
    config::checkProjectName(to);
    if (db_.project(to)) throw Conflict("A project named \"" + to + "\" already exists");
    if (!usedBy(from).empty()) throw BadRequest("Only empty projects can be renamed");
    db_.renameProject(from, to);
    events_.lifecycle(to, "project-renamed", "/1.0/projects/" + to, {{"old_name", from}});
}

void ProjectService::remove(const std::string& name) {
    get(name);
    if (name == "default") throw Forbidden("The 'default' project cannot be deleted");
    if (!usedBy(name).empty()) throw BadRequest("Only empty projects can be removed");
    db_.deleteProject(name);
    events_.lifecycle(name, "project-deleted", "/1.0/projects/" + name);
}

std::vector<std::string> ProjectService::usedBy(const std::string& name) {
    std::vector<std::string> out;
    const std::string suffix = name == "default" ? "" : "?project=" + name;
    for (const auto& i : db_.instances(name)) out.push_back("/1.0/instances/" + i.name + suffix);
    for (const auto& i : db_.images(name)) out.push_back("/1.0/images/" + i.fingerprint + suffix);
    // Its own default profile is part of the project, not a use of it.
    for (const auto& p : db_.profiles(name))
        if (name == "default" || p.name != "default") out.push_back("/1.0/profiles/" + p.name + suffix);
    // Its custom volumes (those of a project without features.storage.volumes are the default's).
    for (const auto& pool : db_.pools())
        for (const auto& v : db_.volumes(pool.name))
            if (v.type == static_cast<int>(LXDP_VOLUME_CUSTOM) && v.project == name)
                out.push_back("/1.0/storage-pools/" + pool.name + "/volumes/custom/" + v.name + suffix);
    return out;
}

nlohmann::json ProjectService::render(const db::ProjectRecord& p) {
    return {{"name", p.name}, {"description", p.description}, {"config", p.config}, {"used_by", usedBy(p.name)}};
}

nlohmann::json ProjectService::renderState(const std::string& name) {
    get(name);
    nlohmann::json resources = nlohmann::json::object();
    for (const auto& [resource, r] : policy_.usage(name)) resources[resource] = {{"limit", r.limit}, {"usage", r.usage}};
    return {{"resources", resources}};
}

std::string ProjectService::etag(const db::ProjectRecord& p) {
    return util::sha256Hex(nlohmann::json{{"description", p.description}, {"config", p.config}}.dump());
}

}  // namespace lxdp::services
