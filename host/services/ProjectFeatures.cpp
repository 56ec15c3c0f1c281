#include "services/ProjectFeatures.h"

#include <lxdp/storage.h>

#include "config/Validators.h"
#include "db/Database.h"

namespace lxdp::services {

namespace {
std::string featureProject(db::Database& db, const std::string& project, const std::string& feature) {
    if (project == "default") return project;
    auto p = db.project(project);
    if (!p) return project;  // unknown projects are refused before any lookup
    auto it = p->config.find(feature);
    return it != p->config.end() && config::isTrue(it->second) ? project : "default";
}
}  // namespace

std::string imageProject(db::Database& db, const std::string& project) {
    return featureProject(db, project, "features.images");
}

std::string profileProject(db::Database& db, const std::string& project) {
    return featureProject(db, project, "features.profiles");
}

std::string volumeProject(db::Database& db, const std::string& project) {
    return featureProject(db, project, "features.storage.volumes");
}

std::string volumeProject(db::Database& db, const std::string& project, int type) {
    if (type == LXDP_VOLUME_CUSTOM) return volumeProject(db, project);
    return type == LXDP_VOLUME_IMAGE ? "default" : project;
}

}  // namespace lxdp::services
