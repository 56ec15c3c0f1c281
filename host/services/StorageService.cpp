#include "services/StorageService.h"

#include <algorithm>
#include <set>

#include <Poco/Logger.h>

#include "config/Names.h"
#include "config/PoolConfig.h"
#include "db/Database.h"
#include "events/EventHub.h"
#include "plugins/PluginRegistry.h"
#include "plugins/StorageDriver.h"
#include "services/ImageVolumes.h"
#include "util/ApiError.h"

namespace lxdp::services {

StorageService::StorageService(db::Database& db, events::EventHub& events, plugins::PluginRegistry& plugins)
    : db_(db), events_(events), plugins_(plugins) {}

StorageService::~StorageService() = default;

void StorageService::openAll() {
    auto& log = Poco::Logger::get("storage");
    for (const auto& rec : db_.pools()) {
        const auto* driver = plugins_.storageDriver(rec.driver);
        if (!driver || !driver->usable()) {
            log.error("storage pool %s is unavailable: its driver '%s' is not loaded or not usable", rec.name, rec.driver);
            continue;
        }
        try {
            auto pool = driver->openPool(rec.name, rec.config);
            pool->mount();
            std::lock_guard lock(mutex_);
            open_[rec.name] = std::move(pool);
        } catch (const std::exception& e) {
            log.error("storage pool %s is unavailable: %s", rec.name, std::string(e.what()));
        }
    }
}

void StorageService::create(const std::string& name, const std::string& driverName, const std::string& description,
                            const db::StringMap& config) {
    config::checkPoolName(name);
    if (driverName.empty()) throw BadRequest("No driver provided");
    const auto* driver = plugins_.storageDriver(driverName);
    if (!driver) throw BadRequest("Storage driver \"" + driverName + "\" is not supported by this server");
    if (!driver->usable())
        throw BadRequest("Storage driver \"" + driverName + "\" is not usable here: " + driver->probeError());
    if (db_.pool(name)) throw Conflict("Storage pool \"" + name + "\" already exists");
    config::validateCommonPoolConfig(driverName, config);
    driver->validatePool(config);

    auto pool = driver->openPool(name, config);
    db::PoolRecord rec{name, driverName, description, config, "Created"};
    for (const auto& [k, v] : pool->create()) rec.config[k] = v;
    try {
        db_.createPool(rec);
        pool->mount();
    } catch (...) {
        // No half-made pools: the backend goes when its record cannot be kept.
        try { pool->remove(); } catch (...) {}
        try { db_.deletePool(name); } catch (...) {}
        throw;
    }
    {
        std::lock_guard lock(mutex_);
        open_[name] = std::move(pool);
    }
    events_.lifecycle("default", "storage-pool-created", "/1.0/storage-pools/" + name);
}

void StorageService::remove(const std::string& name) {
    if (!db_.pool(name)) throw NotFound("Storage pool not found");
    // Image volumes are a cache of the images: they go with the pool, as upstream's.
    const auto users = usedBy(name);
    if (std::any_of(users.begin(), users.end(), [](const std::string& u) { return u.rfind("/1.0/images/", 0) != 0; }))
        throw BadRequest("The storage pool is currently in use");
    if (imageVolumes_) imageVolumes_->removeFromPool(name);
    std::unique_ptr<plugins::StoragePool> pool;
    {
        std::lock_guard lock(mutex_);
        auto it = open_.find(name);
        if (it != open_.end()) {
            pool = std::move(it->second);
            open_.erase(it);
        }
    }
    if (pool) {
        try {
            pool->unmount();
            pool->remove();
        } catch (...) {
            std::lock_guard lock(mutex_);
            open_[name] = std::move(pool);
            throw;
        }
    }
    db_.deletePool(name);
    events_.lifecycle("default", "storage-pool-deleted", "/1.0/storage-pools/" + name);
}

void StorageService::update(const std::string& name, const std::string& description, const db::StringMap& config) {
    auto rec = db_.pool(name);
    if (!rec) throw NotFound("Storage pool not found");
    // The daemon's own keys and those the driver acts on only when it opens the pool stay; the
    // host's keys (defaults of new volumes, rsync, user) change freely.
    auto changeable = [](const std::string& key) {
        for (const char* prefix : {"user.", "volume.", "rsync."})
            if (key.rfind(prefix, 0) == 0) return true;
        return false;
    };
    std::set<std::string> keys;
    for (const auto& [k, v] : rec->config) keys.insert(k);
    for (const auto& [k, v] : config) keys.insert(k);
    for (const auto& key : keys) {
        const auto before = rec->config.find(key);
        const auto after = config.find(key);
        const bool same = before != rec->config.end() && after != config.end() && before->second == after->second;
        if (!same && !changeable(key))
            throw BadRequest("The \"" + key + "\" of an existing storage pool cannot be changed");
    }
    config::validateCommonPoolConfig(rec->driver, config);
    if (const auto* driver = plugins_.storageDriver(rec->driver)) driver->validatePool(config);
    rec->config = config;
    rec->description = description;
    db_.updatePool(*rec);
    events_.lifecycle("default", "storage-pool-updated", "/1.0/storage-pools/" + name);
}

plugins::StoragePool& StorageService::pool(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = open_.find(name);
    if (it != open_.end()) return *it->second;
    if (!db_.pool(name)) throw NotFound("Storage pool \"" + name + "\" not found");
    throw InternalError("Storage pool \"" + name + "\" is unavailable (see the daemon log)");
}

bool StorageService::isOpen(const std::string& name) {
    std::lock_guard lock(mutex_);
    return open_.count(name) != 0;
}

void StorageService::adopt(const std::string& name, std::unique_ptr<plugins::StoragePool> pool) {
    std::lock_guard lock(mutex_);
    open_[name] = std::move(pool);
}

std::vector<std::string> StorageService::usedBy(const std::string& name) {
    std::vector<std::string> out;
    auto usesPool = [&](const db::DeviceMap& devices) {
        for (const auto& [dev, cfg] : devices) {
            auto t = cfg.find("type");
            auto p = cfg.find("pool");
            if (t != cfg.end() && t->second == "disk" && p != cfg.end() && p->second == name) return true;
        }
        return false;
    };
    for (const auto& prof : db_.profiles("default"))
        if (usesPool(prof.devices)) out.push_back("/1.0/profiles/" + prof.name);
    for (const auto& vol : db_.volumes(name)) {
        // Volume types as the storage ABI numbers them: 0 container, 1 image, 3 virtual machine.
        if (vol.type == 0 || vol.type == 3) out.push_back("/1.0/instances/" + vol.name);
        else if (vol.type == 1) out.push_back("/1.0/images/" + vol.name);
        else if (vol.type == 2) out.push_back("/1.0/storage-pools/" + name + "/volumes/custom/" + vol.name);
    }
    return out;
}

nlohmann::json StorageService::render(const db::PoolRecord& pool) {
    return {{"name", pool.name},
            {"driver", pool.driver},
            {"description", pool.description},
            {"config", pool.config},
            {"status", pool.status},
            {"locations", {"none"}},
            {"used_by", usedBy(pool.name)}};
}

}  // namespace lxdp::services
