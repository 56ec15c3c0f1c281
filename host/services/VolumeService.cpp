#include "services/VolumeService.h"

#include <optional>
#include <set>
#include <Poco/Logger.h>

#include <lxdp/storage.h>

#include "config/Names.h"
#include "config/Validators.h"
#include "config/VolumeConfig.h"
#include "db/Database.h"
#include "db/PendingChanges.h"
#include "db/VolumeQueries.h"
#include "events/EventHub.h"
#include "ops/Operation.h"
#include "plugins/PluginRegistry.h"
#include "plugins/StorageDriver.h"
#include "services/DaemonStorage.h"
#include "services/ImageVolumes.h"
#include "services/ProjectFeatures.h"
#include "services/RootDiskSize.h"
#include "services/SnapshotFields.h"
#include "services/StorageService.h"
#include "services/TreeSync.h"
#include "services/VolumeStreams.h"
#include "util/ApiError.h"
#include "util/FaultPoint.h"
#include "util/Hash.h"
#include "util/Time.h"

namespace lxdp::services {

namespace {

const char* const kTypeNames[] = {"container", "image", "custom", "virtual-machine"};

std::string volumeUrl(const db::VolumeRecord& v) {
    return "/1.0/storage-pools/" + v.pool + "/volumes/" + volumeTypeName(v.type) + "/" + v.name;
}

std::string snapshotUrl(const db::VolumeSnapshotRecord& s) {
    return "/1.0/storage-pools/" + s.pool + "/volumes/" + volumeTypeName(s.type) + "/" + s.volume + "/snapshots/" +
           s.name;
}

plugins::VolumeRef volumeRef(const db::VolumeRecord& v) {
    plugins::VolumeRef r;
    r.type = static_cast<uint32_t>(v.type);
    r.content = static_cast<uint32_t>(v.content);
    r.project = v.project;
    r.name = v.name;
    r.config = v.config;
    return r;
}

// The ABI names a snapshot volume "<volume>/<snapshot>".
plugins::VolumeRef snapshotRef(const db::VolumeRecord& v, const std::string& snapshot) {
    auto r = volumeRef(v);
    r.name = v.name + "/" + snapshot;
    return r;
}

std::string jsonString(const nlohmann::json& req, const char* key) {
    if (!req.contains(key) || req[key].is_null()) return "";
    return req[key].get<std::string>();
}

}  // namespace

int volumeTypeOf(const std::string& typeName) {
    for (int i = 0; i < 4; i++)
        if (typeName == kTypeNames[i]) return i;
    throw BadRequest("Invalid storage volume type \"" + typeName + "\"");
}

std::string volumeTypeName(int type) { return type >= 0 && type < 4 ? kTypeNames[type] : "unknown"; }

VolumeService::VolumeService(db::Database& db, events::EventHub& events, plugins::PluginRegistry& plugins,
                             StorageService& storage, ImageVolumes& imageVolumes)
    : db_(db), events_(events), plugins_(plugins), storage_(storage), imageVolumes_(imageVolumes) {}

// ---- reading -------------------------------------------------------------------------------

std::vector<db::VolumeRecord> VolumeService::list(const std::string& pool, const std::string& project, int type) {
    if (!db_.pool(pool)) throw NotFound("Storage pool not found");
    const std::string customIn = volumeProject(db_, project);
    // Image volumes are the default project's cache: a project sees those of the images it has.
    std::set<std::string> images;
    for (const auto& img : db_.images(imageProject(db_, project))) images.insert(img.fingerprint);
    std::vector<db::VolumeRecord> out;
    for (auto& v : db_.volumes(pool)) {
        if (type >= 0 && v.type != type) continue;
        const bool visible = v.type == static_cast<int>(LXDP_VOLUME_CUSTOM)  ? v.project == customIn
                             : v.type == static_cast<int>(LXDP_VOLUME_IMAGE) ? images.count(v.name) != 0
                                                                             : v.project == project;
        if (visible) out.push_back(std::move(v));
    }
    return out;
}

db::VolumeRecord VolumeService::get(const std::string& pool, const std::string& project, int type,
                                    const std::string& name) {
    if (!db_.pool(pool)) throw NotFound("Storage pool not found");
    auto v = db::poolVolume(db_, pool, volumeProject(db_, project, type), type, name);
    if (!v) throw NotFound("Storage pool volume not found");
    return *v;
}

std::vector<std::string> VolumeService::usedBy(const std::string& pool, const std::string& project,
                                                const std::string& name) {
    auto uses = [&](const db::DeviceMap& devices) {
        for (const auto& [dev, cfg] : devices) {
            auto at = [&](const char* k) {
                auto it = cfg.find(k);
                return it == cfg.end() ? std::string() : it->second;
            };
            if (at("type") == "disk" && at("pool") == pool && at("source") == name) return true;
        }
        return false;
    };
    std::vector<std::string> out;
    // The instances and profiles of every project whose custom volumes are this volume's project's
    // (those without features.storage.volumes use the default project's).
    for (const auto& proj : db_.projects()) {
        if (volumeProject(db_, proj.name) != project) continue;
        const std::string suffix = proj.name == "default" ? "" : "?project=" + proj.name;
        const std::string profilesIn = profileProject(db_, proj.name);
        std::map<std::string, db::DeviceMap> profileDevices;
        for (const auto& p : db_.profiles(profilesIn)) profileDevices[p.name] = p.devices;
        for (const auto& inst : db_.instances(proj.name)) {
            // The expanded devices: profiles in order, then the instance's own.
            db::DeviceMap devices;
            for (const auto& p : inst.profiles)
                for (const auto& [k, v] : profileDevices[p]) devices[k] = v;
            for (const auto& [k, v] : inst.devices) devices[k] = v;
            if (uses(devices)) out.push_back("/1.0/instances/" + inst.name + suffix);
        }
        // A project's profiles count once, under the project that keeps them.
        if (profilesIn != proj.name) continue;
        for (const auto& [profile, devices] : profileDevices)
            if (uses(devices)) out.push_back("/1.0/profiles/" + profile + suffix);
    }
    // The server's own directories on it (storage.images_volume, storage.backups_volume).
    if (project == "default" && !serverStorageKeyOf(db_.serverConfig(), pool + "/" + name).empty()) out.push_back("/1.0");
    return out;
}

nlohmann::json VolumeService::render(const db::VolumeRecord& v) {
    nlohmann::json usedBy = nlohmann::json::array();
    if (v.type == LXDP_VOLUME_CUSTOM) usedBy = this->usedBy(v.pool, v.project, v.name);
    else if (v.type == LXDP_VOLUME_IMAGE) usedBy.push_back("/1.0/images/" + v.name);
    else usedBy.push_back("/1.0/instances/" + v.name);
    return {{"name", v.name},
            {"type", volumeTypeName(v.type)},
            {"description", v.description},
            {"config", v.config},
            {"content_type", v.content == LXDP_CONTENT_BLOCK ? "block" : "filesystem"},
            {"project", v.project},
            {"location", "none"},
            {"used_by", usedBy}};
}

nlohmann::json VolumeService::state(const std::string& pool, const std::string& project, int type,
                                    const std::string& name) {
    if (type == LXDP_VOLUME_IMAGE) throw BadRequest("Invalid storage volume type \"image\"");
    auto v = get(pool, project, type, name);
    const uint64_t used = storage_.pool(pool).volumeUsage(volumeRef(v));
    auto size = v.config.find("size");
    const int64_t total = size == v.config.end() ? 0 : config::parseByteSize(size->second);
    return {{"usage", {{"used", used}, {"total", total > 0 ? total : 0}}}};
}

std::string VolumeService::etag(const db::VolumeRecord& v) {
    return util::sha256Hex(nlohmann::json{{"description", v.description}, {"config", v.config}}.dump());
}

// ---- create and copy -----------------------------------------------------------------------

db::VolumeRecord VolumeService::prepareCreate(const std::string& pool, const std::string& project,
                                              const nlohmann::json& req) {
    auto poolRec = db_.pool(pool);
    if (!poolRec) throw NotFound("Storage pool not found");
    db::VolumeRecord v;
    v.pool = pool;
    v.project = project;
    v.type = LXDP_VOLUME_CUSTOM;
    v.name = jsonString(req, "name");
    config::checkVolumeName(v.name);
    if (const std::string type = jsonString(req, "type"); !type.empty() && type != "custom")
        throw BadRequest("Only custom storage volumes can be created, not \"" + type + "\"");
    const std::string content = jsonString(req, "content_type");
    if (content == "block") {
        v.content = LXDP_CONTENT_BLOCK;
    } else if (!content.empty() && content != "filesystem") {
        throw BadRequest("Invalid content type \"" + content + "\"");
    }
    v.description = jsonString(req, "description");
    v.config = req.contains("config") && !req["config"].is_null()
                   ? req["config"].get<db::StringMap>()
                   : db::StringMap{};
    validateConfig(*poolRec, v.config);
    // The pool's volume.* defaults fill the keys the request leaves out, as upstream records them
    // (block.* only where the driver has block-backed volumes).
    for (const auto& [k, val] : poolRec->config)
        if (k.rfind("volume.", 0) == 0 && config::commonVolumeKey(k.substr(7)) != nullptr &&
            (blockBacked(poolRec->driver) || k.rfind("volume.block.", 0) != 0))
            v.config.try_emplace(k.substr(7), val);
    if (db::poolVolume(db_, pool, project, LXDP_VOLUME_CUSTOM, v.name))
        throw Conflict("Storage volume \"" + v.name + "\" already exists in pool \"" + pool + "\"");
    policy_.checkVolume(v);
    storage_.pool(pool);  // 500 now, not half-way, when the pool is unavailable
    v.createdAt = util::nowRfc3339();
    return v;
}

void VolumeService::create(const db::VolumeRecord& planned) {
    std::lock_guard lock(mutex_);
    if (db::poolVolume(db_, planned.pool, planned.project, planned.type, planned.name))
        throw Conflict("Storage volume \"" + planned.name + "\" already exists in pool \"" + planned.pool + "\"");
    auto& pool = storage_.pool(planned.pool);
    db_.createVolume(planned);
    bool made = false;
    try {
        pool.createVolume(volumeRef(planned), nullptr, nullptr);
        made = true;
        if (auto it = planned.config.find("size"); it != planned.config.end()) applySize(planned, it->second);
    } catch (...) {
        if (made) try { pool.deleteVolume(volumeRef(planned), nullptr); } catch (...) {}
        db_.deleteVolume(planned.pool, planned.project, planned.type, planned.name);
        throw;
    }
    events_.lifecycle(planned.project, "storage-volume-created", volumeUrl(planned));
}

void VolumeService::copy(const db::VolumeRecord& planned, const nlohmann::json& source, ops::Operation& op) {
    std::lock_guard lock(mutex_);
    const std::string srcPool = jsonString(source, "pool").empty() ? planned.pool : jsonString(source, "pool");
    const std::string srcName = jsonString(source, "name");
    if (srcName.empty()) throw BadRequest("A copy needs the name of its source volume");
    std::string srcProject = jsonString(source, "project");
    if (srcProject.empty()) srcProject = planned.project;
    else if (!db_.project(srcProject)) throw NotFound("Project \"" + srcProject + "\" not found");
    srcProject = volumeProject(db_, srcProject);
    db::VolumeRecord src;
    std::string srcSnapshot;
    // "vol/snap" copies a snapshot.
    if (auto slash = srcName.find('/'); slash != std::string::npos) {
        src = get(srcPool, srcProject, LXDP_VOLUME_CUSTOM, srcName.substr(0, slash));
        srcSnapshot = srcName.substr(slash + 1);
        snapshot(srcPool, srcProject, src.name, srcSnapshot);
    } else {
        src = get(srcPool, srcProject, LXDP_VOLUME_CUSTOM, srcName);
    }
    db::VolumeRecord dst = planned;
    // The copy keeps the source's config unless the request gives its own.
    if (planned.config.empty() || planned.config == src.config) dst.config = src.config;
    for (auto it = dst.config.begin(); it != dst.config.end();)
        it = it->first.rfind("volatile.", 0) == 0 ? dst.config.erase(it) : std::next(it);
    if (!srcSnapshot.empty()) {
        // A snapshot is copied alone, as a volume of its own.
        db::VolumeRecord snapAsVolume = src;
        snapAsVolume.name = src.name + "/" + srcSnapshot;
        copyInto(dst, snapAsVolume, true, op);
    } else {
        copyInto(dst, src, source.value("volume_only", false), op);
    }
    events_.lifecycle(dst.project, "storage-volume-created", volumeUrl(dst));
}

void VolumeService::copyInto(const db::VolumeRecord& dst, const db::VolumeRecord& src, bool volumeOnly,
                             ops::Operation& op) {
    if (db::poolVolume(db_, dst.pool, dst.project, dst.type, dst.name))
        throw Conflict("Storage volume \"" + dst.name + "\" already exists in pool \"" + dst.pool + "\"");
    auto& to = storage_.pool(dst.pool);
    auto& from = storage_.pool(src.pool);
    const bool samePool = dst.pool == src.pool;
    const bool isSnapshot = src.name.find('/') != std::string::npos;
    std::vector<db::VolumeSnapshotRecord> snaps;
    if (!volumeOnly && !isSnapshot) snaps = db::volumeSnapshots(db_, src.pool, src.project, src.type, src.name);

    db_.createVolume(dst);
    std::vector<db::VolumeSnapshotRecord> madeSnaps;
    // The record of dst's copy of the snapshot s.
    auto recordSnapshot = [&](const db::VolumeSnapshotRecord& s) {
        auto copyRec = s;
        copyRec.pool = dst.pool;
        copyRec.project = dst.project;
        copyRec.volume = dst.name;
        db::createVolumeSnapshot(db_, copyRec);
        madeSnaps.push_back(copyRec);
    };
    bool made = false;
    try {
        plugins::VolumeRef srcRef = volumeRef(src);
        srcRef.name = src.name;
        if (samePool) {
            // The driver copies instantly where it can (btrfs snapshots), then each snapshot.
            to.copyVolume(volumeRef(dst), srcRef, op.abiHandle());
            made = true;
            for (const auto& s : snaps) {
                to.copyVolume(snapshotRef(dst, s.name), snapshotRef(src, s.name), op.abiHandle());
                recordSnapshot(s);
            }
        } else if (canStream(from, to)) {
            // Both pools stream (btrfs send/receive): each snapshot as its difference from the
            // one before, the volume last as its difference from the newest snapshot.
            std::optional<plugins::VolumeRef> base;
            for (const auto& s : snaps) {
                streamSnapshot(from, snapshotRef(src, s.name), base ? &*base : nullptr, to, snapshotRef(dst, s.name), op);
                recordSnapshot(s);
                base = snapshotRef(src, s.name);
            }
            if (!streamVolume(from, srcRef, base ? &*base : nullptr, to, volumeRef(dst), op)) {
                // The driver cannot stream this volume (nested btrfs subvolumes): its files go.
                to.createVolume(volumeRef(dst), nullptr, op.abiHandle());
                made = true;
                syncTree(from.mountVolume(srcRef), to.mountVolume(volumeRef(dst)), op);
            }
            made = true;
        } else {
            // Between pools the snapshots are replayed oldest first, then the volume's own state.
            to.createVolume(volumeRef(dst), nullptr, op.abiHandle());
            made = true;
            const std::string dstPath = to.mountVolume(volumeRef(dst));
            // A block volume's image keeps its size and may keep its mtime: always rewritten.
            const SyncCheck check = src.content == LXDP_CONTENT_BLOCK ? SyncCheck::Everything : SyncCheck::Content;
            for (const auto& s : snaps) {
                syncTree(from.mountVolume(snapshotRef(src, s.name)), dstPath, op, check);
                to.snapshotVolume(snapshotRef(dst, s.name), op.abiHandle());
                recordSnapshot(s);
            }
            syncTree(from.mountVolume(srcRef), dstPath, op, check);
        }
        if (auto it = dst.config.find("size"); it != dst.config.end()) applySize(dst, it->second);
    } catch (...) {
        for (auto it = madeSnaps.rbegin(); it != madeSnaps.rend(); ++it) {
            try { to.deleteVolume(snapshotRef(dst, it->name), nullptr); } catch (...) {}
            db::deleteVolumeSnapshot(db_, *it);
        }
        if (made) try { to.deleteVolume(volumeRef(dst), nullptr); } catch (...) {}
        db_.deleteVolume(dst.pool, dst.project, dst.type, dst.name);
        throw;
    }
}

void VolumeService::applySize(const db::VolumeRecord& v, const std::string& size) {
    // A block volume's size is its disk's, whatever the driver's quotas.
    if (v.content == LXDP_CONTENT_BLOCK) storage_.pool(v.pool).setVolumeSize(volumeRef(v), size);
    else applyRootDiskSize(plugins_, *db_.pool(v.pool), storage_.pool(v.pool), volumeRef(v), size);
}

bool VolumeService::blockBacked(const std::string& driverName) {
    const auto* driver = plugins_.storageDriver(driverName);
    return driver != nullptr && (driver->flags() & LXDP_STORAGE_BLOCK_BACKED) != 0;
}

void VolumeService::validateConfig(const db::PoolRecord& pool, const db::StringMap& config) {
    config::validateVolumeConfig(pool.driver, config);
    // Upstream's filesystem drivers keep block volumes as image files and format nothing.
    if (blockBacked(pool.driver)) return;
    for (const auto& [key, value] : config)
        if (key.rfind("block.", 0) == 0)
            throw BadRequest("Invalid config: " + key + " applies to block-backed storage drivers only, not " +
                             pool.driver);
}

// ---- update, rename, move, delete ------------------------------------------------------------

void VolumeService::update(const std::string& pool, const std::string& project, const std::string& name,
                           const nlohmann::json& req, bool patch) {
    std::lock_guard lock(mutex_);
    auto v = get(pool, project, LXDP_VOLUME_CUSTOM, name);
    if (const std::string restore = jsonString(req, "restore"); !restore.empty()) {
        snapshot(pool, project, name, restore);
        storage_.pool(pool).restoreVolume(volumeRef(v), snapshotRef(v, restore), nullptr);
        events_.lifecycle(project, "storage-volume-restored", volumeUrl(v));
        return;
    }
    auto next = v;
    if (!patch || req.contains("description")) next.description = jsonString(req, "description");
    if (!patch || req.contains("config")) {
        auto given = req.contains("config") && !req["config"].is_null() ? req["config"].get<db::StringMap>()
                                                                         : db::StringMap{};
        // The daemon's volatile keys stay whatever the client sends.
        for (auto it = given.begin(); it != given.end();)
            it = it->first.rfind("volatile.", 0) == 0 ? given.erase(it) : std::next(it);
        if (patch) {
            for (const auto& [k, val] : given) next.config[k] = val;
        } else {
            for (auto it = next.config.begin(); it != next.config.end();)
                it = it->first.rfind("volatile.", 0) == 0 ? std::next(it) : next.config.erase(it);
            for (const auto& [k, val] : given) next.config[k] = val;
        }
        for (auto it = next.config.begin(); it != next.config.end();) it = it->second.empty() ? next.config.erase(it) : std::next(it);
    }
    validateConfig(*db_.pool(pool), next.config);
    policy_.checkVolume(next);
    auto sizeOf = [](const db::VolumeRecord& r) {
        auto it = r.config.find("size");
        return it == r.config.end() ? std::string() : it->second;
    };
    // The quota first: a refused shrink leaves the record as it was.
    if (sizeOf(next) != sizeOf(v)) applySize(next, sizeOf(next));
    db::updateVolume(db_, next);
    events_.lifecycle(project, "storage-volume-updated", volumeUrl(v));
}

void VolumeService::requireUnused(const std::string& pool, const std::string& project, const std::string& name) {
    if (auto users = usedBy(pool, project, name); !users.empty()) {
        std::string list;
        for (const auto& u : users) list += (list.empty() ? "" : ", ") + u;
        throw BadRequest("Storage volume \"" + name + "\" is in use by " + list + ": detach it first");
    }
}

void VolumeService::checkRename(const std::string& pool, const std::string& project, const std::string& name,
                                const std::string& to, const std::string& toPool) {
    get(pool, project, LXDP_VOLUME_CUSTOM, name);
    config::checkVolumeName(to);
    if (!db_.pool(toPool)) throw NotFound("Storage pool \"" + toPool + "\" not found");
    if (db::poolVolume(db_, toPool, project, LXDP_VOLUME_CUSTOM, to))
        throw Conflict("Storage volume \"" + to + "\" already exists in pool \"" + toPool + "\"");
    requireUnused(pool, project, name);
}

void VolumeService::rename(const std::string& pool, const std::string& project, const std::string& name,
                           const std::string& to) {
    std::lock_guard lock(mutex_);
    checkRename(pool, project, name, to, pool);
    auto v = get(pool, project, LXDP_VOLUME_CUSTOM, name);
    // Until the rows say the new name, the pending change says how to go back to the old one.
    db::recordPendingChange(db_, {db::kPendingVolumeRename, project, name, pool, to, util::nowRfc3339()});
    try {
        storage_.pool(pool).renameVolume(volumeRef(v), to);
        util::faultPoint("volume-rename-after-volume");
        db_.transaction([&] {
            db_.renameVolume(pool, project, v.type, name, to);
            db::moveVolumeSnapshots(db_, v, to);
            db::clearPendingChange(db_, db::kPendingVolumeRename, project, name);
        });
    } catch (...) {
        undoRename(v, to);
        throw;
    }
    util::faultPoint("volume-rename-after-record");
    v.name = to;
    events_.lifecycle(project, "storage-volume-renamed", volumeUrl(v));
}

void VolumeService::undoRename(const db::VolumeRecord& v, const std::string& to) {
    auto renamed = v;
    renamed.name = to;
    // Nothing to undo when the pool's rename is what failed.
    try { storage_.pool(v.pool).renameVolume(volumeRef(renamed), v.name); } catch (...) {}
    db::clearPendingChange(db_, db::kPendingVolumeRename, v.project, v.name);
}

void VolumeService::move(const std::string& pool, const std::string& project, const std::string& name,
                         const std::string& to, const std::string& toPool, ops::Operation& op) {
    std::lock_guard lock(mutex_);
    checkRename(pool, project, name, to, toPool);
    relocate(get(pool, project, LXDP_VOLUME_CUSTOM, name), toPool, project, to, op);
}

void VolumeService::relocate(const db::VolumeRecord& src, const std::string& toPool, const std::string& toProject,
                             const std::string& to, ops::Operation& op) {
    auto dst = src;
    dst.pool = toPool;
    dst.project = toProject;
    dst.name = to;
    // The driver's copy (a btrfs snapshot where it can), then the source goes: a failed copy
    // leaves the volume where it was.
    copyInto(dst, src, false, op);
    if (toProject != src.project) events_.lifecycle(toProject, "storage-volume-created", volumeUrl(dst));
    remove(src.pool, src.project, src.name);
}

void VolumeService::checkProjectMove(const std::string& pool, const std::string& project, const std::string& name,
                                     const std::string& target, const std::string& to) {
    auto v = get(pool, project, LXDP_VOLUME_CUSTOM, name);
    config::checkVolumeName(to);
    if (!db_.project(target)) throw BadRequest("Project \"" + target + "\" not found");
    if (volumeProject(db_, target) != target)
        throw BadRequest("Project \"" + target + "\" keeps no storage volumes of its own (features.storage.volumes)");
    if (db::poolVolume(db_, pool, target, LXDP_VOLUME_CUSTOM, to))
        throw BadRequest("Storage volume \"" + to + "\" already exists in project \"" + target + "\"");
    requireUnused(pool, project, name);
    auto moved = v;
    moved.project = target;
    moved.name = to;
    policy_.checkVolume(moved);
}

void VolumeService::moveToProject(const std::string& pool, const std::string& project, const std::string& name,
                                  const std::string& target, const std::string& to, ops::Operation& op) {
    std::lock_guard lock(mutex_);
    checkProjectMove(pool, project, name, target, to);
    relocate(get(pool, project, LXDP_VOLUME_CUSTOM, name), pool, target, to, op);
}

void VolumeService::remove(const std::string& pool, const std::string& project, const std::string& name) {
    std::lock_guard lock(mutex_);
    auto v = get(pool, project, LXDP_VOLUME_CUSTOM, name);
    requireUnused(pool, project, name);
    // Once a snapshot or the volume has gone, a deletion cut short is finished by the next start.
    db::recordPendingChange(db_, {db::kPendingVolumeDelete, project, name, pool, "", util::nowRfc3339()});
    try {
        auto& p = storage_.pool(pool);
        auto snaps = db::volumeSnapshots(db_, pool, project, v.type, name);
        for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
            p.deleteVolume(snapshotRef(v, it->name), nullptr);
            db::deleteVolumeSnapshot(db_, *it);
        }
        p.deleteVolume(volumeRef(v), nullptr);
    } catch (...) {
        // The snapshots that went took their rows along: what is left is whole.
        db::clearPendingChange(db_, db::kPendingVolumeDelete, project, name);
        throw;
    }
    util::faultPoint("volume-delete-after-volume");
    eraseDeleted(v);
    events_.lifecycle(project, "storage-volume-deleted", volumeUrl(v));
}

void VolumeService::updateImageVolume(const std::string& pool, const std::string& name, const nlohmann::json& req) {
    std::lock_guard lock(mutex_);
    auto v = get(pool, "default", LXDP_VOLUME_IMAGE, name);
    const auto config = req.contains("config") && !req["config"].is_null() ? req["config"].get<db::StringMap>()
                                                                            : db::StringMap{};
    if (config != v.config) throw BadRequest("Volume config is not editable");
    v.description = jsonString(req, "description");
    db::updateVolume(db_, v);
    events_.lifecycle("default", "storage-volume-updated", volumeUrl(v));
}

void VolumeService::removeImageVolume(const std::string& pool, const std::string& name) {
    auto v = get(pool, "default", LXDP_VOLUME_IMAGE, name);
    imageVolumes_.remove(pool, name);
    events_.lifecycle("default", "storage-volume-deleted", volumeUrl(v));
}

void VolumeService::eraseDeleted(const db::VolumeRecord& v) {
    db_.transaction([&] {
        for (const auto& snap : db::volumeSnapshots(db_, v.pool, v.project, v.type, v.name))
            db::deleteVolumeSnapshot(db_, snap);
        db_.deleteVolume(v.pool, v.project, v.type, v.name);
        db::clearPendingChange(db_, db::kPendingVolumeDelete, v.project, v.name);
    });
}

void VolumeService::settleInterruptedChanges() {
    auto& log = Poco::Logger::get("volumes");
    for (const auto& change : db::pendingChanges(db_)) {
        if (change.kind != db::kPendingVolumeDelete && change.kind != db::kPendingVolumeRename) continue;
        log.warning("settling an interrupted %s of volume %s (pool %s, project %s, started %s)", change.kind,
                    change.name, change.pool, change.project, change.started);
        try {
            auto v = db::poolVolume(db_, change.pool, change.project, LXDP_VOLUME_CUSTOM, change.name);
            if (change.kind == db::kPendingVolumeRename) {
                if (v) undoRename(*v, change.detail);
            } else if (v) {
                // Finished: what is still on the pool goes (already gone is no error), then the rows.
                auto& p = storage_.pool(change.pool);
                for (const auto& snap : db::volumeSnapshots(db_, v->pool, v->project, v->type, v->name))
                    try { p.deleteVolume(snapshotRef(*v, snap.name), nullptr); } catch (...) {}
                try { p.deleteVolume(volumeRef(*v), nullptr); } catch (...) {}
                eraseDeleted(*v);
            }
            db::clearPendingChange(db_, change.kind, change.project, change.name);
        } catch (const std::exception& e) {
            // Kept for the next start: the pool may be back then.
            log.error("cannot settle the interrupted %s of volume %s: %s", change.kind, change.name,
                      std::string(e.what()));
        }
    }
}

// ---- snapshots -------------------------------------------------------------------------------

std::vector<db::VolumeSnapshotRecord> VolumeService::snapshots(const std::string& pool, const std::string& project,
                                                               const std::string& volume) {
    get(pool, project, LXDP_VOLUME_CUSTOM, volume);
    return db::volumeSnapshots(db_, pool, project, LXDP_VOLUME_CUSTOM, volume);
}

db::VolumeSnapshotRecord VolumeService::snapshot(const std::string& pool, const std::string& project,
                                                 const std::string& volume, const std::string& name) {
    get(pool, project, LXDP_VOLUME_CUSTOM, volume);
    auto s = db::volumeSnapshot(db_, pool, project, LXDP_VOLUME_CUSTOM, volume, name);
    if (!s) throw NotFound("Storage volume snapshot not found");
    return *s;
}

nlohmann::json VolumeService::renderSnapshot(const db::VolumeSnapshotRecord& s) {
    // A snapshot holds what its volume holds.
    const auto volume = db::poolVolume(db_, s.pool, s.project, s.type, s.volume);
    const bool block = volume && volume->content == static_cast<int>(LXDP_CONTENT_BLOCK);
    return {{"name", s.volume + "/" + s.name},
            {"description", s.description},
            {"config", s.config},
            {"content_type", block ? "block" : "filesystem"},
            {"created_at", s.createdAt},
            {"expires_at", s.expiresAt.empty() ? util::kZeroTime : s.expiresAt}};
}

std::string VolumeService::snapshotEtag(const db::VolumeSnapshotRecord& s) {
    return util::sha256Hex(nlohmann::json{{"description", s.description}, {"expires_at", s.expiresAt}}.dump());
}

db::VolumeSnapshotRecord VolumeService::prepareSnapshot(const std::string& pool, const std::string& project,
                                                        const std::string& volume, const nlohmann::json& req) {
    auto v = get(pool, project, LXDP_VOLUME_CUSTOM, volume);
    db::VolumeSnapshotRecord s;
    s.pool = pool;
    s.project = project;
    s.type = v.type;
    s.volume = volume;
    s.name = jsonString(req, "name");
    s.description = v.description;
    s.config = v.config;
    auto configured = [&](const char* key, const std::string& fallback) {
        auto it = v.config.find(key);
        return it == v.config.end() || it->second.empty() ? fallback : it->second;
    };
    s.expiresAt = newSnapshotExpiry(req, configured("snapshots.expiry", ""));
    if (s.name.empty()) {
        std::vector<std::string> taken;
        for (const auto& existing : snapshots(pool, project, volume)) taken.push_back(existing.name);
        s.name = snapshotNameFromPattern(configured("snapshots.pattern", "snap%d"), util::nowRfc3339(), taken);
    }
    config::checkSnapshotName(s.name);
    if (db::volumeSnapshot(db_, pool, project, s.type, volume, s.name))
        throw Conflict("Snapshot \"" + s.name + "\" already exists");
    s.createdAt = util::nowRfc3339();
    return s;
}

void VolumeService::createSnapshot(const db::VolumeSnapshotRecord& planned, ops::Operation& op) {
    std::lock_guard lock(mutex_);
    auto v = get(planned.pool, planned.project, planned.type, planned.volume);
    if (db::volumeSnapshot(db_, planned.pool, planned.project, planned.type, planned.volume, planned.name))
        throw Conflict("Snapshot \"" + planned.name + "\" already exists");
    storage_.pool(planned.pool).snapshotVolume(snapshotRef(v, planned.name), op.abiHandle());
    try {
        db::createVolumeSnapshot(db_, planned);
    } catch (...) {
        try { storage_.pool(planned.pool).deleteVolume(snapshotRef(v, planned.name), nullptr); } catch (...) {}
        throw;
    }
    events_.lifecycle(planned.project, "storage-volume-snapshot-created", snapshotUrl(planned));
}

void VolumeService::updateSnapshot(const db::VolumeSnapshotRecord& s) {
    std::lock_guard lock(mutex_);
    db::updateVolumeSnapshot(db_, s);
    events_.lifecycle(s.project, "storage-volume-snapshot-updated", snapshotUrl(s));
}

void VolumeService::checkSnapshotRename(const db::VolumeSnapshotRecord& s, const std::string& to) {
    config::checkSnapshotName(to);
    if (db::volumeSnapshot(db_, s.pool, s.project, s.type, s.volume, to))
        throw Conflict("Snapshot \"" + to + "\" already exists");
}

void VolumeService::renameSnapshot(const db::VolumeSnapshotRecord& s, const std::string& to) {
    std::lock_guard lock(mutex_);
    checkSnapshotRename(s, to);
    auto v = get(s.pool, s.project, s.type, s.volume);
    auto& pool = storage_.pool(s.pool);
    pool.renameVolume(snapshotRef(v, s.name), to);
    try {
        db::renameVolumeSnapshot(db_, s, to);
    } catch (...) {
        try { pool.renameVolume(snapshotRef(v, to), s.name); } catch (...) {}
        throw;
    }
    events_.lifecycle(s.project, "storage-volume-snapshot-renamed", snapshotUrl(s));
}

void VolumeService::deleteSnapshot(const db::VolumeSnapshotRecord& s) {
    std::lock_guard lock(mutex_);
    auto v = get(s.pool, s.project, s.type, s.volume);
    storage_.pool(s.pool).deleteVolume(snapshotRef(v, s.name), nullptr);
    db::deleteVolumeSnapshot(db_, s);
    events_.lifecycle(s.project, "storage-volume-snapshot-deleted", snapshotUrl(s));
}

}  // namespace lxdp::services
