// Which project holds a request's images or profiles: a project without the feature uses the
// default project's (spec 3.2.6).
#pragma once

#include <string>

namespace lxdp::db { class Database; }

namespace lxdp::services {

std::string imageProject(db::Database& db, const std::string& project);
std::string profileProject(db::Database& db, const std::string& project);
std::string volumeProject(db::Database& db, const std::string& project);

}  // namespace lxdp::services
