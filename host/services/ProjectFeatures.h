// Which project holds a request's images, profiles or custom volumes: a project without the
// feature uses the default project's (spec 3.2.6).
#pragma once

#include <string>

namespace lxdp::db { class Database; }

namespace lxdp::services {

std::string imageProject(db::Database& db, const std::string& project);
std::string profileProject(db::Database& db, const std::string& project);
// Of custom volumes (features.storage.volumes).
std::string volumeProject(db::Database& db, const std::string& project);
// Of the storage volumes of type (LXDP_VOLUME_*), as upstream's StorageVolumeProject: custom
// volumes as volumeProject, image volumes always the default project's (a cache every project
// shares), instance volumes the project's own.
std::string volumeProject(db::Database& db, const std::string& project, int type);

}  // namespace lxdp::services
