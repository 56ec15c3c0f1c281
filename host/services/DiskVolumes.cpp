#include "services/DiskVolumes.h"

#include <lxdp/storage.h>

#include "config/Validators.h"
#include "db/Database.h"
#include "db/VolumeQueries.h"
#include "plugins/StorageDriver.h"
#include "services/DaemonStorage.h"
#include "services/ProjectFeatures.h"
#include "services/StorageService.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {

std::string at(const db::StringMap& dev, const char* key) {
    auto it = dev.find(key);
    return it == dev.end() ? std::string() : it->second;
}

bool isVolumeDisk(const db::StringMap& dev) {
    return at(dev, "type") == "disk" && !at(dev, "pool").empty() && !at(dev, "source").empty() &&
           at(dev, "path") != "/";
}

}  // namespace

void checkVolumeDisks(db::Database& db, const std::string& instanceProject, const db::DeviceMap& devices) {
    const std::string project = volumeProject(db, instanceProject);
    for (const auto& [name, dev] : devices) {
        if (!isVolumeDisk(dev)) continue;
        if (!db.pool(at(dev, "pool"))) throw BadRequest("Device \"" + name + "\": storage pool \"" + at(dev, "pool") + "\" not found");
        auto vol = db::poolVolume(db, at(dev, "pool"), project, LXDP_VOLUME_CUSTOM, at(dev, "source"));
        if (!vol)
            throw BadRequest("Device \"" + name + "\": storage volume \"" + at(dev, "source") +
                             "\" not found in pool \"" + at(dev, "pool") + "\"");
        if (const std::string key = serverStorageKeyOf(db.serverConfig(), at(dev, "pool") + "/" + at(dev, "source"));
            project == "default" && !key.empty())
            throw BadRequest("Device \"" + name + "\": storage volume \"" + at(dev, "source") +
                             "\" holds the server's files (" + key + ") and cannot be attached");
        // A block volume is a disk for a virtual machine; a container has no use for it.
        if (vol->content == LXDP_CONTENT_BLOCK)
            throw BadRequest("Device \"" + name + "\": Custom block volumes cannot be used on containers");
    }
}

void resolveVolumeDisks(db::Database& db, StorageService& storage, const std::string& instanceProject,
                        db::DeviceMap& devices) {
    const std::string project = volumeProject(db, instanceProject);
    for (auto& [name, dev] : devices) {
        if (!isVolumeDisk(dev)) continue;
        auto vol = db::poolVolume(db, at(dev, "pool"), project, LXDP_VOLUME_CUSTOM, at(dev, "source"));
        if (!vol) continue;
        plugins::VolumeRef ref;
        ref.type = LXDP_VOLUME_CUSTOM;
        ref.content = static_cast<uint32_t>(vol->content);
        ref.project = vol->project;
        ref.name = vol->name;
        ref.config = vol->config;
        try {
            dev["source"] = storage.pool(vol->pool).mountVolume(ref);
        } catch (const std::exception&) {
            continue;
        }
        if (!config::isTrue(at(vol->config, "security.shifted"))) dev["lxdp.volume_shift"] = "true";
    }
}

}  // namespace lxdp::services
