// Projects: separate sets of instances, and of images, profiles and volumes where enabled.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/Records.h"
#include "services/ProjectPolicy.h"

namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }

namespace lxdp::services {

class ProjectService {
public:
    ProjectService(db::Database& db, events::EventHub& events) : db_(db), events_(events) {}

    db::ProjectRecord get(const std::string& name);
    void create(db::ProjectRecord project);
    void update(const db::ProjectRecord& project);
    void rename(const std::string& from, const std::string& to);
    void remove(const std::string& name);

    nlohmann::json render(const db::ProjectRecord& project);
    std::string etag(const db::ProjectRecord& project);
    std::vector<std::string> usedBy(const std::string& name);
    // GET /1.0/projects/<name>/state: {"resources": {name: {"limit", "usage"}}}.
    nlohmann::json renderState(const std::string& name);
    // 403 when the project blocks what a restricted.* key switches (ProjectPolicy::checkFeature).
    void checkFeature(const std::string& project, const std::string& restrictionKey, const std::string& what) {
        policy_.checkFeature(project, restrictionKey, what);
    }

private:
    void createDefaultProfile(const std::string& project);

    db::Database& db_;
    events::EventHub& events_;
    ProjectPolicy policy_{db_};
};

}  // namespace lxdp::services
