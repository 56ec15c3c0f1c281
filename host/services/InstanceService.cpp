#include "services/InstanceService.h"

#include <Poco/Logger.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "config/Devices.h"
#include "config/InstanceConfig.h"
#include "config/InstanceTypes.h"
#include "config/Names.h"
#include "daemon/Paths.h"
#include "db/Database.h"
#include "db/PendingChanges.h"
#include "db/SnapshotQueries.h"
#include "events/EventHub.h"
#include "images/MetadataYaml.h"
#include "ops/Operation.h"
#include "plugins/PluginRegistry.h"
#include "plugins/StorageDriver.h"
#include "services/DiskVolumes.h"
#include "services/BackupFile.h"
#include "services/ImageService.h"
#include "services/ImageVolumes.h"
#include "services/InstanceVolumes.h"
#include "services/InstanceIdmaps.h"
#include "services/InterfaceJson.h"
#include "services/NetworkService.h"
#include "services/ProjectFeatures.h"
#include "services/RootDiskSize.h"
#include "services/StorageService.h"
#include "templates/Template.h"
#include "util/ApiError.h"
#include "util/ConfinedFile.h"
#include "util/FaultPoint.h"
#include "util/Hash.h"
#include "util/HostArchitecture.h"
#include "util/Random.h"
#include "util/Time.h"

namespace lxdp::services {

namespace {

constexpr uint32_t kContainerVolume = LXDP_VOLUME_CONTAINER;

db::StringMap stringMap(const nlohmann::json& j) {
    db::StringMap out;
    if (j.is_null()) return out;
    for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = it.value().get<std::string>();
    return out;
}

db::DeviceMap deviceMap(const nlohmann::json& j) {
    db::DeviceMap out;
    if (j.is_null()) return out;
    for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = stringMap(it.value());
    return out;
}

bool isTrue(const db::StringMap& m, const std::string& key) {
    auto it = m.find(key);
    return it != m.end() && (it->second == "true" || it->second == "1" || it->second == "yes" || it->second == "on");
}

plugins::VolumeRef volumeRef(const db::InstanceRecord& rec) { return instanceVolume(rec.project, rec.name); }

// Source types none (lxc init --empty) and migration: no image names the architecture, the
// request does or the host's own is taken, as upstream.
std::string requestedArchitecture(const nlohmann::json& req) {
    const std::string given = req.value("architecture", "");
    if (given.empty()) return util::hostArchitecture();
    const auto runnable = util::hostArchitectures();
    if (std::find(runnable.begin(), runnable.end(), given) == runnable.end())
        throw BadRequest("Requested architecture \"" + given + "\" isn't supported by this host");
    return given;
}

// The root of an empty instance: rootfs/ is there but empty, as the driver maps ids below it
// and files pushed land in it.
const plugins::StoragePool::Filler kEmptyRoot = [](const std::string& mountPath) {
    if (::mkdir((mountPath + "/rootfs").c_str(), 0755) != 0)
        throw InternalError("Failed to create " + mountPath + "/rootfs: " + std::strerror(errno));
};

// 400 when an update drops the volatile keys of the instance's id map.
void checkIdmapKeysKept(const db::InstanceRecord& before, const db::InstanceRecord& updated) {
    // As upstream 5.0.2: a PUT replaces the config, other volatile and image.* keys included,
    // but the id map the files are shifted to must stay known, or the next start would shift
    // them from the wrong map.
    static const char* const keys[] = {"volatile.idmap.base", "volatile.idmap.current", "volatile.idmap.next",
                                       "volatile.last_state.idmap"};
    for (const char* key : keys) {
        const auto was = before.config.find(key), now = updated.config.find(key);
        if (was != before.config.end() && !was->second.empty() && (now == updated.config.end() || now->second.empty()))
            throw BadRequest("Volatile idmap keys can't be deleted by the user");
    }
}

// The local image a source names (fingerprint or alias, or properties' alias as pylxd sends it).
db::ImageRecord sourceImage(db::Database& db, ImageService& images, const std::string& project,
                            const nlohmann::json& source) {
    const std::string imagesIn = imageProject(db, project);
    if (source.contains("fingerprint") && !source["fingerprint"].get<std::string>().empty())
        return images.resolve(imagesIn, source["fingerprint"].get<std::string>());
    if (source.contains("alias") && !source["alias"].get<std::string>().empty())
        return images.resolveAliasOrFingerprint(imagesIn, source["alias"].get<std::string>());
    throw BadRequest("No image specified: give a fingerprint or an alias");
}

}  // namespace

db::InstanceRecord InstanceService::get(const std::string& project, const std::string& name) {
    auto rec = db_.instance(project, name);
    if (!rec) throw NotFound("Instance not found");
    return *rec;
}

std::shared_ptr<std::mutex> InstanceService::lock(const std::string& project, const std::string& name) {
    return locks_.get(project + "/" + name);
}

InstanceListContext InstanceService::listContext(const std::string& project, bool withSnapshots) {
    InstanceListContext list;
    if (withSnapshots) list.snapshots = db::projectInstanceSnapshots(db_, project);
    for (auto& p : db_.profiles(profileProject(db_, project))) list.profiles.emplace(p.name, std::move(p));
    for (const auto& pool : db_.pools())
        for (const auto& vol : db_.volumes(pool.name))
            if (vol.type == static_cast<int>(kContainerVolume) && vol.project == project) list.pools[vol.name] = vol.pool;
    return list;
}

Expanded InstanceService::expand(const db::InstanceRecord& rec, const InstanceListContext* list) {
    if (list)
        return expandInstance(rec, [list](const std::string& name) -> const db::ProfileRecord* {
            auto it = list->profiles.find(name);
            return it == list->profiles.end() ? nullptr : &it->second;
        });
    const std::string profiles = profileProject(db_, rec.project);
    std::optional<db::ProfileRecord> found;
    return expandInstance(rec, [&](const std::string& name) -> const db::ProfileRecord* {
        found = db_.profile(profiles, name);
        return found ? &*found : nullptr;
    });
}

const plugins::InstanceDriver& InstanceService::driver(const db::InstanceRecord& rec) {
    for (const auto* d : plugins_.instanceDrivers())
        if (d->type() == static_cast<uint32_t>(rec.type) && d->usable()) return *d;
    throw BadRequest(std::string("No usable driver for ") + (rec.type == 0 ? "containers" : "virtual machines"));
}

std::string InstanceService::containerLink(const std::string& project, const std::string& name) const {
    // Upstream's layout: containers/<name>, or <project>_<name> outside the default project.
    return paths_.containers + "/" + (project == "default" ? name : project + "_" + name);
}

std::string InstanceService::poolOf(const db::InstanceRecord& rec, const InstanceListContext* list) {
    if (list) {
        if (auto it = list->pools.find(rec.name); it != list->pools.end()) return it->second;
    } else if (auto vol = db_.volume(rec.project, kContainerVolume, rec.name)) {
        return vol->pool;
    }
    auto root = config::findRootDisk(expand(rec, list).devices);
    if (!root) throw BadRequest("No root device could be found");
    return root->second.at("pool");
}

plugins::InstanceRef InstanceService::ref(const db::InstanceRecord& rec, const InstanceListContext* list) {
    auto ex = expand(rec, list);
    plugins::InstanceRef r;
    r.type = static_cast<uint32_t>(rec.type);
    r.project = rec.project;
    r.name = rec.name;
    r.volumePath = storage_.pool(poolOf(rec, list)).mountVolume(volumeRef(rec));
    r.config = std::move(ex.config);
    r.devices = std::move(ex.devices);
    resolveVolumeDisks(db_, storage_, rec.project, r.devices);
    return r;
}

bool InstanceService::isRunning(const db::InstanceRecord& rec) { return runningRef(rec).has_value(); }

std::optional<plugins::InstanceRef> InstanceService::runningRef(const db::InstanceRecord& rec) {
    auto r = ref(rec);
    auto st = driver(rec).state(r);
    if (st.status != LXDP_STATE_RUNNING && st.status != LXDP_STATE_FROZEN) return std::nullopt;
    return r;
}

void InstanceService::validateRecord(const db::InstanceRecord& rec, const db::InstanceRecord* current) {
    config::validateInstanceConfig(rec.config, false);
    config::validateDevices(rec.devices, false);
    for (auto p = rec.profiles.begin(); p != rec.profiles.end(); ++p) {
        // Upstream's words: a profile listed twice would be applied twice (lxc profile add, again).
        if (std::find(rec.profiles.begin(), p, *p) != p) throw BadRequest("Duplicate profile found in request");
        if (!db_.profile(profileProject(db_, rec.project), *p)) throw BadRequest("Requested profile \"" + *p + "\" doesn't exist");
    }
    auto ex = expand(rec);
    config::validateInstanceConfig(ex.config, false);
    config::validateDevices(ex.devices, false);
    checkVolumeDisks(db_, rec.project, ex.devices);
    ProxyDevices::check(ex.devices);
    // The driver's own rules (raw.lxc keys it owns, say) at every write, not only at the next start.
    plugins::InstanceRef r;
    r.type = static_cast<uint32_t>(rec.type);
    r.project = rec.project;
    r.name = rec.name;
    r.config = ex.config;
    r.devices = ex.devices;
    driver(rec).validate(r);
    policy_.checkInstance(rec, current);
}

// ---- create --------------------------------------------------------------------------------

db::InstanceRecord InstanceService::prepareCreate(const std::string& project, const nlohmann::json& req) {
    db::InstanceRecord rec;
    rec.project = project;
    rec.name = req.value("name", "");
    config::checkInstanceName(rec.name);
    std::string type = req.value("type", "container");
    if (type.empty() || type == "container") rec.type = 0;
    else if (type == "virtual-machine") rec.type = 1;
    else throw BadRequest("Invalid instance type \"" + type + "\"");
    rec.config = stringMap(req.value("config", nlohmann::json::object()));
    // An instance type gives limits the request did not set itself.
    if (auto type = req.value("instance_type", ""); !type.empty())
        for (const auto& [k, v] : config::instanceTypeLimits(type)) rec.config.try_emplace(k, v);
    rec.devices = deviceMap(req.value("devices", nlohmann::json::object()));
    rec.description = req.value("description", "");
    rec.ephemeral = req.value("ephemeral", false);
    const bool profilesGiven = req.contains("profiles") && !req["profiles"].is_null();
    rec.profiles = profilesGiven ? req["profiles"].get<std::vector<std::string>>() : std::vector<std::string>{"default"};
    // What each kind of source adds before the checks; an image adds its part at creation.
    const auto source = req.value("source", nlohmann::json::object());
    const std::string sourceType = source.value("type", "");
    if (sourceType == "copy") inheritFromCopySource(rec, source, profilesGiven);
    else if (sourceType == "image" && !profilesGiven && !(source.contains("server") && source["server"].is_string() &&
                                                          !source["server"].get<std::string>().empty())) {
        // The image's own profiles (image_profiles) when the request names none. An image that
        // cannot be found keeps "default" here: it is refused where the instance is created.
        try {
            rec.profiles = sourceImage(db_, images_, project, source).profiles;
        } catch (const ApiError&) {
        }
    }
    else if (sourceType == "none") rec.architecture = requestedArchitecture(req);
    else if (sourceType == "migration") {
        // The source's instance as the client read it; how its files are shifted comes from the
        // source itself (InstanceMigration.cpp).
        rec.architecture = requestedArchitecture(req);
        std::erase_if(rec.config, [](const auto& kv) { return describesVolumeData(kv.first); });
    }
    else if (sourceType != "image") throw BadRequest("Source type \"" + sourceType + "\" is not supported yet");
    // A refresh brings an existing copy up to date: it is checked as the instance it replaces.
    const auto existing = db_.instance(project, rec.name);
    const bool refresh = existing && sourceType == "copy" && source.value("refresh", false);
    if (refresh) {
        // Its own snapshot included: the refresh would hold the instance's lock twice.
        const std::string from = source.value("source", ""), fromProject = source.value("project", "");
        if (from.substr(0, from.find('/')) == rec.name && (fromProject.empty() || fromProject == project))
            throw BadRequest("An instance cannot be refreshed from itself or its snapshots");
    }
    validateRecord(rec, refresh ? &*existing : nullptr);
    if (existing && !refresh) throw Conflict("Instance \"" + rec.name + "\" already exists");
    if (refresh && isRunning(*existing)) throw BadRequest("The instance \"" + rec.name + "\" must be stopped to be refreshed");
    if (!config::findRootDisk(expand(rec).devices)) throw BadRequest("No root device could be found");
    driver(rec);
    return rec;
}

void InstanceService::create(db::InstanceRecord rec, const nlohmann::json& source, ops::Operation& op) {
    const std::string type = source.value("type", "");
    if (type == "copy") createFromCopy(std::move(rec), source, op);
    else if (type == "none") {
        // lxc init --empty: an empty root volume, for the user to fill (file push, a restore).
        rec.createdAt = util::nowRfc3339();
        rec.lastUsedAt = util::kZeroTime;
        rec.config["volatile.uuid"] = util::randomUuid();
        const VolumeStep makeVolume = [&](plugins::StoragePool& pool) {
            pool.createVolume(instanceVolume(rec.project, rec.name), &kEmptyRoot, op.abiHandle());
        };
        provision(rec, makeVolume, {}, "create", op);
    } else {
        createFromImage(std::move(rec), source, op);
    }
}

void InstanceService::createFromImage(db::InstanceRecord rec, const nlohmann::json& source, ops::Operation& op) {
    db::ImageRecord image = sourceImage(db_, images_, rec.project, source);
    images_.markUsed(image);
    rec.architecture = image.architecture;
    rec.createdAt = util::nowRfc3339();
    rec.lastUsedAt = util::kZeroTime;
    rec.config["volatile.base_image"] = image.fingerprint;
    rec.config["volatile.uuid"] = util::randomUuid();
    for (const auto& [k, v] : image.properties) rec.config["image." + k] = v;

    const VolumeStep unpack = [&](plugins::StoragePool&) {
        imageVolumes_.createVolume(poolOf(rec), image.fingerprint, images_.tarballPath(image.fingerprint),
                                   volumeRef(rec), op);
    };
    provision(rec, unpack, {}, "create", op);
}

void InstanceService::provision(db::InstanceRecord rec, const VolumeStep& makeVolume, const VolumeStep& afterVolume,
                                const std::string& trigger, ops::Operation& op) {
    const std::string poolName = poolOf(rec);
    auto& pool = storage_.pool(poolName);
    auto guard = lock(rec.project, rec.name);
    std::lock_guard held(*guard);

    db_.transaction([&] {
        if (db_.instance(rec.project, rec.name)) throw Conflict("Instance \"" + rec.name + "\" already exists");
        // Again under the transaction: creations since the request was checked count too.
        policy_.checkProjectRoom(rec);
        db_.createInstance(rec);
        db_.createVolume(db::VolumeRecord{poolName, rec.project, static_cast<int>(kContainerVolume), rec.name, 0, "",
                                              {}, rec.createdAt});
        db::recordPendingChange(db_, {db::kPendingCreate, rec.project, rec.name, poolName, "", rec.createdAt});
    });
    util::faultPoint("instance-create-after-record");

    bool volumeMade = false;
    try {
        makeVolume(pool);
        volumeMade = true;
        util::faultPoint("instance-create-after-volume");
        if (const std::string size = rootDiskSize(expand(rec).devices); !size.empty())
            applyRootDiskSize(plugins_, *db_.pool(poolName), pool, volumeRef(rec), size);
        if (afterVolume) afterVolume(pool);

        assignIdmap(rec);
        auto r = ref(rec);
        auto keys = driver(rec).create(r, op.abiHandle());
        recordVolatile(rec.project, rec.name, keys);
        rec = get(rec.project, rec.name);
        r = ref(rec);
        applyTemplates(rec, r, trigger);
        writeBackupYaml(*this, storage_, db_, rec, r.volumePath);
        ::unlink(containerLink(rec.project, rec.name).c_str());
        if (::symlink(r.volumePath.c_str(), containerLink(rec.project, rec.name).c_str()) != 0)
            Poco::Logger::get("instances").warning("cannot link %s/%s to its volume", paths_.containers, rec.name);
        util::faultPoint("instance-create-before-commit");
        db::clearPendingChange(db_, db::kPendingCreate, rec.project, rec.name);
    } catch (...) {
        discardCreated(rec, poolName, volumeMade);
        throw;
    }
    util::faultPoint("instance-create-after-commit");
    events_.lifecycle(rec.project, "instance-created", instanceUrl(rec.name));
}

void InstanceService::discardCreated(const db::InstanceRecord& rec, const std::string& poolName, bool volumeMade) {
    auto& pool = storage_.pool(poolName);
    try { driver(rec).remove(ref(rec)); } catch (...) {}
    if (volumeMade) {
        try { removeSnapshots(rec, pool); } catch (...) {}
        try { pool.deleteVolume(volumeRef(rec), nullptr); } catch (...) {}
    }
    ::unlink(containerLink(rec.project, rec.name).c_str());
    db_.transaction([&] {
        db::deleteInstanceSnapshots(db_, rec.project, rec.name);
        db_.deleteInstance(rec.project, rec.name);
        db_.deleteVolume(poolName, rec.project, static_cast<int>(kContainerVolume), rec.name);
        db::clearPendingChange(db_, db::kPendingCreate, rec.project, rec.name);
    });
}

void InstanceService::finishRecovered(const std::string& project, const std::string& name) {
    auto guard = lock(project, name);
    std::lock_guard held(*guard);
    try {
        auto rec = get(project, name);
        const std::string volumePath = ref(rec).volumePath;
        ::unlink(containerLink(project, name).c_str());
        if (::symlink(volumePath.c_str(), containerLink(project, name).c_str()) != 0)
            Poco::Logger::get("instances").warning("cannot link %s/%s to its volume", paths_.containers, name);
        writeBackupYaml(*this, storage_, db_, rec, volumePath);
    } catch (const std::exception& e) {
        Poco::Logger::get("instances").warning("recovered instance %s: %s", name, std::string(e.what()));
    }
    events_.lifecycle(project, "instance-created", instanceUrl(name));
}

bool InstanceService::assignIdmap(db::InstanceRecord& rec) {
    const bool changed = assignInstanceIdmap(db_, rec, expand(rec).config,
                                             [&](const auto& keys) { recordVolatile(rec.project, rec.name, keys); });
    if (changed) rec = get(rec.project, rec.name);
    return changed;
}

void InstanceService::recordVolatile(const std::string& project, const std::string& name,
                                     const std::map<std::string, std::string>& keys) {
    if (keys.empty()) return;
    db_.transaction([&] {
        auto rec = get(project, name);
        for (const auto& [k, v] : keys) {
            if (v.empty()) rec.config.erase(k);
            else rec.config[k] = v;
        }
        db_.updateInstance(rec);
    });
}

void InstanceService::applyTemplates(const db::InstanceRecord& rec, const plugins::InstanceRef& r,
                                     const std::string& trigger) {
    auto yaml = util::readFileInRoot(r.volumePath, "metadata.yaml", 1 << 20);
    if (!yaml) return;
    auto meta = images::parseImageMetadata(*yaml);
    auto ex = expand(rec);
    // Upstream hands templates these fields as strings ("true"/"false").
    nlohmann::json instance = {{"name", rec.name},
                               {"architecture", rec.architecture},
                               {"privileged", isTrue(ex.config, "security.privileged") ? "true" : "false"},
                               {"ephemeral", rec.ephemeral ? "true" : "false"}};
    for (const auto& [path, tpl] : meta.templates) {
        if (std::find(tpl.when.begin(), tpl.when.end(), trigger) == tpl.when.end()) continue;
        auto text = util::readFileInRoot(r.volumePath, "templates/" + tpl.templateFile, 1 << 20);
        if (!text) throw BadRequest("Template file \"" + tpl.templateFile + "\" is missing from the image");
        nlohmann::json context = {{"trigger", trigger},   {"path", path},          {"container", instance},
                                  {"instance", instance}, {"config", ex.config},   {"devices", ex.devices},
                                  {"properties", tpl.properties}};
        std::string out = templates::render(*text, context);
        if (tpl.createOnly) {
            std::vector<std::string> names;
            try {
                driver(rec).fileGet(r, path, [](const char*, size_t) { return true; }, &names);
                continue;  // exists: create_only templates leave it alone
            } catch (const ApiError& e) {
                if (e.status() != 404) throw;
            }
        }
        plugins::FileInfo info;
        info.type = LXDP_FILE_REGULAR;
        size_t offset = 0;
        driver(rec).filePut(r, path, info, [&](char* buf, size_t len) -> int64_t {
            size_t n = std::min(len, out.size() - offset);
            std::memcpy(buf, out.data() + offset, n);
            offset += n;
            return static_cast<int64_t>(n);
        });
    }
}

// ---- update, rename, delete ----------------------------------------------------------------

void InstanceService::update(const db::InstanceRecord& updated, const std::string& ifMatch) {
    auto guard = lock(updated.project, updated.name);
    std::lock_guard held(*guard);
    const auto before = get(updated.project, updated.name);
    if (!ifMatch.empty()) {
        const std::string current = etag(before);
        if (current != ifMatch) throw PreconditionFailed("ETag doesn't match: " + current + " vs " + ifMatch);
    }
    checkIdmapKeysKept(before, updated);
    validateRecord(updated, &before);
    // A new root disk size becomes the volume's quota before it is recorded: a refused one
    // (smaller than the data) changes nothing.
    if (const std::string size = rootDiskSize(expand(updated).devices); size != rootDiskSize(expand(before).devices)) {
        const std::string poolName = poolOf(updated);
        applyRootDiskSize(plugins_, *db_.pool(poolName), storage_.pool(poolName), volumeRef(updated), size);
    }
    const auto live = runningRef(before);
    std::optional<plugins::InstanceRef> after;
    DeviceChanges plugged;
    db_.updateInstance(updated);
    try {
        // Proxies follow the change at once; the driver hot-plugs devices and applies limits.
        syncHostDevices(updated);
        if (live) after = applyLive(updated, *live, plugged);
    } catch (...) {
        db_.updateInstance(before);
        try { syncHostDevices(before); } catch (...) {}
        throw;
    }
    writeBackupYaml(*this, storage_, db_, updated, ref(updated).volumePath);
    events_.lifecycle(updated.project, "instance-updated", instanceUrl(updated.name));
}

plugins::InstanceRef InstanceService::applyLive(const db::InstanceRecord& rec, const plugins::InstanceRef& live,
                                                DeviceChanges& plugged) {
    const auto& drv = driver(rec);
    auto after = ref(rec);
    plugged = deviceChanges(live.devices, after.devices);
    if (!plugged.empty()) {
        if (!drv.canHotPlug())
            throw BadRequest("Devices cannot change while the instance runs: hot-plug not supported by this driver");
        // NICs on managed networks get their MAC and static lease first, as at start.
        if (networks_) {
            db::DeviceMap added;
            for (const auto& name : plugged.added) added[name] = after.devices.at(name);
            for (const auto& name : plugged.updated) added[name] = after.devices.at(name);
            recordVolatile(rec.project, rec.name, networks_->prepareNics(rec, added));
            after = ref(get(rec.project, rec.name));
        }
        recordVolatile(rec.project, rec.name, hotPlug(drv, live, after, plugged));
        after = ref(get(rec.project, rec.name));
    }
    try {
        drv.update(live, after);
    } catch (...) {
        // What the driver changed before it refused goes back too.
        try { drv.update(after, live); } catch (...) {}
        unplug(drv, live, after, plugged);
        throw;
    }
    return after;
}

void InstanceService::undoLive(const db::InstanceRecord& rec, const plugins::InstanceRef& live,
                               const plugins::InstanceRef& after, const DeviceChanges& plugged) noexcept {
    try {
        const auto& drv = driver(rec);
        try { drv.update(after, live); } catch (...) {}
        unplug(drv, live, after, plugged);
    } catch (...) {
    }
}

void InstanceService::followProfile(const db::ProfileRecord& before, const db::ProfileRecord& after,
                                    const std::function<void(const db::ProfileRecord&)>& store) {
    // The running users as they are before the change (the projects that take their profiles
    // from the profile's project).
    std::vector<std::pair<db::InstanceRecord, plugins::InstanceRef>> live;
    for (const auto& project : db_.projects()) {
        if (profileProject(db_, project.name) != after.project) continue;
        for (const auto& rec : db_.instances(project.name))
            if (std::find(rec.profiles.begin(), rec.profiles.end(), after.name) != rec.profiles.end())
                if (auto r = runningRef(rec)) live.emplace_back(rec, std::move(*r));
    }
    store(after);
    struct Changed {
        size_t index;  // in live
        plugins::InstanceRef now;
        DeviceChanges plugged;
    };
    std::vector<Changed> changed;
    try {
        for (size_t i = 0; i < live.size(); i++) {
            auto guard = lock(live[i].first.project, live[i].first.name);
            std::lock_guard held(*guard);
            DeviceChanges plugged;
            auto now = applyLive(get(live[i].first.project, live[i].first.name), live[i].second, plugged);
            changed.push_back(Changed{i, std::move(now), std::move(plugged)});
        }
    } catch (...) {
        store(before);
        for (const auto& c : changed) {
            const auto& rec = live[c.index].first;
            undoLive(rec, live[c.index].second, c.now, c.plugged);
            // The volatile keys of the devices that came in go with them.
            try {
                std::map<std::string, std::string> gone;
                const auto config = get(rec.project, rec.name).config;
                for (const auto& name : c.plugged.added)
                    if (!live[c.index].second.devices.count(name)) gone.merge(dropVolatileKeys(config, name));
                recordVolatile(rec.project, rec.name, gone);
            } catch (...) {
            }
        }
        throw;
    }
}

void InstanceService::checkRename(const std::string& project, const std::string& from, const std::string& to) {
    auto rec = get(project, from);
    config::checkInstanceName(to);
    if (db_.instance(project, to)) throw Conflict("Name \"" + to + "\" already in use");
    if (isRunning(rec)) throw BadRequest("Renaming of running instance not allowed");
}

void InstanceService::rename(const std::string& project, const std::string& from, const std::string& to) {
    auto guard = lock(project, from);
    std::lock_guard held(*guard);
    checkRename(project, from, to);
    auto rec = get(project, from);
    const std::string poolName = poolOf(rec);
    auto& pool = storage_.pool(poolName);
    auto r = ref(rec);
    // Until the rows say the new name, the pending change says how to go back to the old one.
    db::recordPendingChange(db_, {db::kPendingRename, project, from, poolName, to, util::nowRfc3339()});
    try {
        driver(rec).rename(r, to);
        pool.renameVolume(volumeRef(rec), to);
        util::faultPoint("instance-rename-after-volume");
        ::unlink(containerLink(project, from).c_str());
        ::symlink(pool.mountVolume(instanceVolume(project, to)).c_str(), containerLink(project, to).c_str());
        db_.transaction([&] {
            db_.renameInstance(project, from, to);
            db_.renameVolume(poolName, project, static_cast<int>(kContainerVolume), from, to);
            // The pool renamed the snapshot volumes along with the volume.
            db::moveInstanceSnapshots(db_, project, from, to);
            db::clearPendingChange(db_, db::kPendingRename, project, from);
        });
    } catch (...) {
        undoRename(rec, to, poolName);
        throw;
    }
    util::faultPoint("instance-rename-after-record");
    auto renamed = get(project, to);
    applyTemplates(renamed, ref(renamed), "rename");
    // The static leases name the instance: the next start records them under the new name.
    if (networks_) networks_->releaseNics(rec, expand(rec).devices);
    events_.lifecycle(project, "instance-renamed", instanceUrl(to), {{"old_name", from}});
}

void InstanceService::remove(const std::string& project, const std::string& name) {
    auto guard = lock(project, name);
    std::lock_guard held(*guard);
    auto rec = get(project, name);
    if (isRunning(rec)) throw BadRequest("Instance is running");
    if (isTrue(rec.config, "security.protection.delete")) throw BadRequest("Instance is protected");
    const std::string poolName = poolOf(rec);
    // Once the volume goes, a deletion cut short is finished by the next start.
    db::recordPendingChange(db_, {db::kPendingDelete, project, name, poolName, "", util::nowRfc3339()});
    try {
        driver(rec).remove(ref(rec));
        removeSnapshots(rec, storage_.pool(poolName));
        storage_.pool(poolName).deleteVolume(volumeRef(rec), nullptr);
    } catch (...) {
        db::clearPendingChange(db_, db::kPendingDelete, project, name);
        throw;
    }
    util::faultPoint("instance-delete-after-volume");
    eraseDeleted(rec, poolName);
    events_.lifecycle(project, "instance-deleted", instanceUrl(name));
}

void InstanceService::eraseDeleted(const db::InstanceRecord& rec, const std::string& poolName) {
    ::unlink(containerLink(rec.project, rec.name).c_str());
    removeBackupsOf(paths_, db_, rec.project, rec.name);
    if (networks_) networks_->releaseNics(rec, expand(rec).devices);
    db_.transaction([&] {
        db::deleteInstanceSnapshots(db_, rec.project, rec.name);
        db_.deleteInstance(rec.project, rec.name);
        db_.deleteVolume(poolName, rec.project, static_cast<int>(kContainerVolume), rec.name);
        db::clearPendingChange(db_, db::kPendingDelete, rec.project, rec.name);
    });
}

// ---- state ---------------------------------------------------------------------------------

void InstanceService::checkStateChange(const std::string& project, const std::string& name, const std::string& action) {
    get(project, name);
    static const std::set<std::string> actions = {"start", "stop", "restart", "freeze", "unfreeze"};
    if (!actions.count(action)) throw BadRequest("Unknown action \"" + action + "\"");
}

void InstanceService::start(const db::InstanceRecord& given, ops::Operation* op) {
    // NICs on managed networks get their MAC and static lease before the driver sees them.
    auto rec = given;
    if (networks_) {
        recordVolatile(rec.project, rec.name, networks_->prepareNics(rec, expand(rec).devices));
        rec = get(rec.project, rec.name);
    }
    auto r = ref(rec);
    auto st = driver(rec).state(r);
    if (st.status == LXDP_STATE_RUNNING || st.status == LXDP_STATE_FROZEN)
        throw BadRequest("The instance is already running");
    if (assignIdmap(rec)) r = ref(rec);
    applyTemplates(rec, r, "start");
    auto keys = driver(rec).start(r, op ? op->abiHandle() : nullptr);
    keys["volatile.last_state.power"] = "RUNNING";
    recordVolatile(rec.project, rec.name, keys);
    try {
        syncHostDevices(rec);
    } catch (...) {
        // A start whose devices cannot all work is no start.
        proxies_.stop(key(rec));
        try { driver(rec).stop(r, true, 0, nullptr); } catch (...) {}
        recordVolatile(rec.project, rec.name, {{"volatile.last_state.power", "STOPPED"}});
        throw;
    }
    auto updated = get(rec.project, rec.name);
    updated.lastUsedAt = util::nowRfc3339();
    db_.updateInstance(updated);
}

void InstanceService::stop(const db::InstanceRecord& rec, bool force, int timeout, ops::Operation* op) {
    auto r = ref(rec);
    auto st = driver(rec).state(r);
    if (st.status != LXDP_STATE_RUNNING && st.status != LXDP_STATE_FROZEN)
        throw BadRequest("The instance is already stopped");
    driver(rec).stop(r, force, force ? 0 : timeout, op ? op->abiHandle() : nullptr);
    proxies_.stop(key(rec));
    recordVolatile(rec.project, rec.name, {{"volatile.last_state.power", "STOPPED"}});
}

void InstanceService::syncHostDevices(const db::InstanceRecord& rec) {
    const auto st = driver(rec).state(ref(rec));
    if (st.status != LXDP_STATE_RUNNING && st.status != LXDP_STATE_FROZEN) {
        proxies_.stop(key(rec));
        return;
    }
    proxies_.sync(key(rec), st.pid, expand(rec).devices);
    inits_.watch(key(rec), st.pid);
}

void InstanceService::initExited(const std::string& key, int64_t pid) {
    const auto slash = key.find('/');
    const std::string project = key.substr(0, slash), name = key.substr(slash + 1);
    try {
        auto guard = lock(project, name);
        std::lock_guard held(*guard);
        proxies_.stopFor(key, pid);
        const auto rec = get(project, name);
        const auto st = driver(rec).state(ref(rec));
        if ((st.status == LXDP_STATE_RUNNING || st.status == LXDP_STATE_FROZEN) && st.pid != pid) syncHostDevices(rec);
    } catch (const std::exception& e) {
        // Deleted meanwhile, or its driver cannot tell: nothing of it is served any more.
        Poco::Logger::get("instances").information("After the end of %s's init: %s", key, std::string(e.what()));
    }
}

void InstanceService::resumeHostDevices(const db::InstanceRecord& rec) {
    auto guard = lock(rec.project, rec.name);
    std::lock_guard held(*guard);
    syncHostDevices(get(rec.project, rec.name));
}

void InstanceService::changeState(const std::string& project, const std::string& name, const std::string& action,
                                  bool force, int timeout, ops::Operation& op) {
    auto guard = lock(project, name);
    std::lock_guard held(*guard);
    auto rec = get(project, name);
    const std::string url = instanceUrl(name);
    if (action == "start") {
        start(rec, &op);
        events_.lifecycle(project, "instance-started", url);
    } else if (action == "stop") {
        stop(rec, force, timeout, &op);
        events_.lifecycle(project, force ? "instance-stopped" : "instance-shutdown", url);
    } else if (action == "restart") {
        stop(rec, force, timeout, &op);
        start(get(project, name), &op);
        events_.lifecycle(project, "instance-restarted", url);
    } else if (action == "freeze") {
        // Upstream's words (its container driver's): lxc pause prints them.
        const auto status = driver(rec).state(ref(rec)).status;
        if (status == LXDP_STATE_FROZEN) throw BadRequest("The container is already frozen");
        if (status != LXDP_STATE_RUNNING) throw BadRequest("The container isn't running");
        driver(rec).freeze(ref(rec));
        events_.lifecycle(project, "instance-paused", url);
    } else if (action == "unfreeze") {
        driver(rec).unfreeze(ref(rec));
        events_.lifecycle(project, "instance-resumed", url);
    } else {
        throw BadRequest("Unknown action \"" + action + "\"");
    }
}

void InstanceService::startForBoot(const db::InstanceRecord& rec) {
    auto guard = lock(rec.project, rec.name);
    std::lock_guard held(*guard);
    start(get(rec.project, rec.name), nullptr);
    events_.lifecycle(rec.project, "instance-started", instanceUrl(rec.name));
}

void InstanceService::stopForHostShutdown(const db::InstanceRecord& rec, int timeoutS) {
    auto guard = lock(rec.project, rec.name);
    std::lock_guard held(*guard);
    auto r = ref(rec);
    try {
        driver(rec).stop(r, false, timeoutS, nullptr);
    } catch (const std::exception&) {
        driver(rec).stop(r, true, 0, nullptr);
    }
    proxies_.stop(key(rec));
    recordVolatile(rec.project, rec.name, {{"volatile.last_state.power", "RUNNING"}});
    events_.lifecycle(rec.project, "instance-shutdown", instanceUrl(rec.name));
}

// ---- rendering -----------------------------------------------------------------------------

const char* InstanceService::statusName(uint32_t status) {
    switch (status) {
    case LXDP_STATE_RUNNING: return "Running";
    case LXDP_STATE_FROZEN: return "Frozen";
    case LXDP_STATE_ERROR: return "Error";
    default: return "Stopped";
    }
}

uint32_t InstanceService::statusOf(const plugins::InstanceDriver& driver, const plugins::InstanceRef& ref) {
    try {
        return driver.state(ref).status;
    } catch (const std::exception& e) {
        Poco::Logger::get("instances").warning("state of %s: %s", ref.name, std::string(e.what()));
        return LXDP_STATE_ERROR;
    }
}

nlohmann::json InstanceService::renderState(const db::InstanceRecord& rec, const InstanceListContext* list) {
    plugins::InstanceState st;
    std::vector<plugins::NetInterface> interfaces;
    try {
        const auto r = ref(rec, list);
        st = driver(rec).state(r);
        if (st.status == LXDP_STATE_RUNNING || st.status == LXDP_STATE_FROZEN) interfaces = driver(rec).interfaces(r);
    } catch (const std::exception& e) {
        Poco::Logger::get("instances").warning("state of %s: %s", rec.name, std::string(e.what()));
        st.status = LXDP_STATE_ERROR;
    }
    auto orZero = [](int64_t v) { return v < 0 ? int64_t{0} : v; };
    return {{"status", statusName(st.status)},
            {"status_code", st.status},
            {"disk", nlohmann::json::object()},
            {"memory",
             {{"usage", orZero(st.memoryUsage)},
              {"usage_peak", orZero(st.memoryUsagePeak)},
              {"swap_usage", 0},
              {"swap_usage_peak", 0}}},
            {"network", instanceNetworkJson(interfaces)},
            {"pid", st.pid},
            {"processes", st.processes},
            {"cpu", {{"usage", orZero(st.cpuUsageNs)}}}};
}

nlohmann::json InstanceService::render(const db::InstanceRecord& rec, int recursion, const InstanceListContext* list) {
    auto out = renderWithoutStatus(rec, list);
    if (recursion < 2) {
        // The status alone: no network interfaces, no usage figures.
        uint32_t status = LXDP_STATE_ERROR;
        try {
            status = statusOf(driver(rec), ref(rec, list));
        } catch (const std::exception& e) {
            Poco::Logger::get("instances").warning("state of %s: %s", rec.name, std::string(e.what()));
        }
        out["status"] = statusName(status);
        out["status_code"] = status;
        return out;
    }
    auto state = renderState(rec, list);
    out["status"] = state["status"];
    out["status_code"] = state["status_code"];
    out["state"] = std::move(state);
    // null when there are none, as upstream.
    nlohmann::json snaps = nullptr;
    std::vector<db::InstanceSnapshotRecord> read;
    const std::vector<db::InstanceSnapshotRecord>* own = &read;
    if (list && list->snapshots) {
        static const std::vector<db::InstanceSnapshotRecord> none;
        const auto it = list->snapshots->find(rec.name);
        own = it == list->snapshots->end() ? &none : &it->second;
    } else {
        read = snapshots(rec.project, rec.name);
    }
    for (const auto& snap : *own) snaps.push_back(renderSnapshot(rec, snap, false));
    out["snapshots"] = snaps;
    out["backups"] = nlohmann::json::array();
    return out;
}

nlohmann::json InstanceService::renderWithoutStatus(const db::InstanceRecord& rec, const InstanceListContext* list) {
    auto ex = expand(rec, list);
    return {{"architecture", rec.architecture},
                          {"config", rec.config},
                          {"devices", rec.devices},
                          {"ephemeral", rec.ephemeral},
                          {"profiles", rec.profiles},
                          {"stateful", rec.stateful},
                          {"description", rec.description},
                          {"created_at", rec.createdAt},
                          {"expanded_config", std::move(ex.config)},
                          {"expanded_devices", std::move(ex.devices)},
                          {"name", rec.name},
                          {"last_used_at", rec.lastUsedAt},
                          {"location", "none"},
                          {"type", rec.type == 0 ? "container" : "virtual-machine"},
                          {"project", rec.project}};
}

std::string InstanceService::etag(const db::InstanceRecord& rec) {
    nlohmann::json editable = {{"architecture", rec.architecture}, {"config", rec.config},
                               {"devices", rec.devices},           {"ephemeral", rec.ephemeral},
                               {"profiles", rec.profiles},         {"description", rec.description}};
    return util::sha256Hex(editable.dump());
}

}  // namespace lxdp::services
