// Storage pools: records in the database, backends through the storage plugins.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "db/Records.h"

namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }
namespace lxdp::plugins {
class PluginRegistry;
class StoragePool;
}  // namespace lxdp::plugins

namespace lxdp::services {

class ImageVolumes;

class StorageService {
public:
    StorageService(db::Database& db, events::EventHub& events, plugins::PluginRegistry& plugins);
    ~StorageService();

    // A pool's image volumes go with it (constructed after this service).
    void setImageVolumes(ImageVolumes* imageVolumes) { imageVolumes_ = imageVolumes; }

    // Opens and mounts every pool of the database; a pool whose driver is missing is logged
    // and left unavailable, the daemon carries on.
    void openAll();

    void create(const std::string& name, const std::string& driver, const std::string& description,
                const db::StringMap& config);
    void remove(const std::string& name);
    // PUT/PATCH of a pool: config (the whole new map) validated by the host and the driver.
    void update(const std::string& name, const std::string& description, const db::StringMap& config);
    // The open backend of a pool; 404 when unknown, 503-ish 500 when its driver is unavailable.
    plugins::StoragePool& pool(const std::string& name);

    // Recovery: whether the backend of a pool is open (one whose record was deleted while the
    // daemon ran still is), and keeping open a pool the recovery opened once its record exists.
    bool isOpen(const std::string& name);
    void adopt(const std::string& name, std::unique_ptr<plugins::StoragePool> pool);

    nlohmann::json render(const db::PoolRecord& pool);
    // What uses the pool: profiles, instances, images (whose volumes it keeps) and custom volumes.
    std::vector<std::string> usedBy(const std::string& name);

private:
    db::Database& db_;
    events::EventHub& events_;
    plugins::PluginRegistry& plugins_;
    ImageVolumes* imageVolumes_ = nullptr;
    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<plugins::StoragePool>> open_;
};

}  // namespace lxdp::services
