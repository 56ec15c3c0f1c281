// Profiles: validated config and devices that instances inherit.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/Records.h"
#include "services/ProjectPolicy.h"

namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }

namespace lxdp::services {

class InstanceService;

class ProfileService {
public:
    ProfileService(db::Database& db, events::EventHub& events) : db_(db), events_(events) {}

    // Running instances follow profile changes through it (constructed after this service).
    void setInstances(InstanceService* instances) { instances_ = instances; }

    db::ProfileRecord get(const std::string& project, const std::string& name);
    void create(const db::ProfileRecord& profile);
    void update(const db::ProfileRecord& profile);
    void rename(const std::string& project, const std::string& from, const std::string& to);
    void remove(const std::string& project, const std::string& name);

    nlohmann::json render(const db::ProfileRecord& profile);
    // Only the user-editable fields, hashed for the ETag.
    std::string etag(const db::ProfileRecord& profile);
    // The instances of every project that takes its profiles from project.
    std::vector<std::string> usedBy(const std::string& project, const std::string& name);

private:
    void validate(const db::ProfileRecord& profile);

    db::Database& db_;
    events::EventHub& events_;
    InstanceService* instances_ = nullptr;
    ProjectPolicy policy_{db_};
};

}  // namespace lxdp::services
