// InstanceService: snapshots of instances (volume snapshot plus a record of the instance's own
// config, devices and profiles at that time) and the restore of an instance to one of them.
#include <Poco/Logger.h>

#include <ctime>
#include <stdexcept>

#include "config/Names.h"
#include "db/Database.h"
#include "db/PendingChanges.h"
#include "db/SnapshotQueries.h"
#include "events/EventHub.h"
#include "ops/Operation.h"
#include "plugins/StorageDriver.h"
#include "services/BackupFile.h"
#include "services/InstanceService.h"
#include "services/InstanceVolumes.h"
#include "services/SnapshotFields.h"
#include "services/StorageService.h"
#include "util/ApiError.h"
#include "util/FaultPoint.h"
#include "util/Hash.h"
#include "util/Time.h"

namespace lxdp::services {

namespace {

// The config after a restore: the snapshot's, with the instance's own identity (uuid, MAC
// addresses, power state) kept and the id map of the restored data.
db::StringMap restoredConfig(const db::StringMap& current, const db::StringMap& snapshot) {
    db::StringMap out;
    for (const auto& [k, v] : snapshot)
        if (k.rfind("volatile.", 0) != 0 || describesVolumeData(k)) out[k] = v;
    for (const auto& [k, v] : current)
        if (k.rfind("volatile.", 0) == 0 && !describesVolumeData(k)) out[k] = v;
    return out;
}

}  // namespace

std::vector<db::InstanceSnapshotRecord> InstanceService::snapshots(const std::string& project,
                                                                   const std::string& instance) {
    return db::instanceSnapshots(db_, project, instance);
}

db::InstanceSnapshotRecord InstanceService::snapshot(const std::string& project, const std::string& instance,
                                                     const std::string& name) {
    auto snap = db::instanceSnapshot(db_, project, instance, name);
    if (!snap) throw NotFound("Snapshot not found");
    return *snap;
}

db::InstanceSnapshotRecord InstanceService::prepareSnapshot(const std::string& project, const std::string& instance,
                                                            const nlohmann::json& req) {
    auto rec = get(project, instance);
    policy_.checkFeature(project, "restricted.snapshots", "snapshot creation");
    if (req.value("stateful", false)) throw BadRequest("Stateful snapshots are not supported");
    db::InstanceSnapshotRecord snap;
    snap.project = project;
    snap.instance = instance;
    snap.name = req.value("name", "");
    const auto ex = expand(rec);
    auto configured = [&](const char* key, const std::string& fallback) {
        auto it = ex.config.find(key);
        return it == ex.config.end() || it->second.empty() ? fallback : it->second;
    };
    snap.expiresAt = newSnapshotExpiry(req, configured("snapshots.expiry", ""));
    if (snap.name.empty()) {
        std::vector<std::string> taken;
        for (const auto& s : snapshots(project, instance)) taken.push_back(s.name);
        snap.name = snapshotNameFromPattern(configured("snapshots.pattern", "snap%d"), util::nowRfc3339(), taken);
    }
    config::checkSnapshotName(snap.name);
    if (db::instanceSnapshot(db_, project, instance, snap.name))
        throw Conflict("Snapshot \"" + snap.name + "\" already exists");
    return snap;
}

void InstanceService::whileFrozen(const db::InstanceRecord& rec, const std::function<void()>& fn) {
    bool thaw = false;
    try {
        auto r = ref(rec);
        if (driver(rec).state(r).status == LXDP_STATE_RUNNING) {
            driver(rec).freeze(r);
            thaw = true;
        }
    } catch (const std::exception& e) {
        // Only the consistency between files is lost: the copy itself can go on.
        Poco::Logger::get("instances").warning("cannot freeze %s for a copy of its volume: %s", rec.name,
                                               std::string(e.what()));
    }
    auto unfreeze = [&] {
        if (!thaw) return;
        try {
            driver(rec).unfreeze(ref(rec));
        } catch (const std::exception& e) {
            Poco::Logger::get("instances").error("cannot unfreeze %s: %s", rec.name, std::string(e.what()));
        }
    };
    try {
        fn();
    } catch (...) {
        unfreeze();
        throw;
    }
    unfreeze();
}

void InstanceService::createSnapshot(const db::InstanceSnapshotRecord& planned, ops::Operation& op) {
    auto guard = lock(planned.project, planned.instance);
    std::lock_guard held(*guard);
    auto rec = get(planned.project, planned.instance);
    if (db::instanceSnapshot(db_, rec.project, rec.name, planned.name))
        throw Conflict("Snapshot \"" + planned.name + "\" already exists");
    db::InstanceSnapshotRecord snap = planned;
    snap.architecture = rec.architecture;
    snap.createdAt = util::nowRfc3339();
    snap.config = rec.config;
    snap.devices = rec.devices;
    snap.profiles = rec.profiles;

    // The volume first, then the record: a snapshot is only ever listed with its volume. The
    // pending change names the volume until the record exists, and whether the instance was
    // running, so a start after a crash here deletes the volume and thaws the instance.
    const std::string poolName = poolOf(rec);
    auto& pool = storage_.pool(poolName);
    const auto vol = snapshotVolume(rec.project, rec.name, snap.name);
    db::recordPendingChange(db_, {db::kPendingSnapshot, rec.project, vol.name, poolName,
                                  isRunning(rec) ? "thaw" : "", snap.createdAt});
    bool volumeMade = false;
    try {
        whileFrozen(rec, [&] {
            util::faultPoint("snapshot-create-frozen");
            pool.snapshotVolume(vol, op.abiHandle());
        });
        volumeMade = true;
        util::faultPoint("snapshot-create-after-volume");
        db_.transaction([&] {
            db::createInstanceSnapshot(db_, snap);
            db::clearPendingChange(db_, db::kPendingSnapshot, rec.project, vol.name);
        });
    } catch (...) {
        // A volume that was there before (one for `lxd recover`) made the snapshot fail: it stays.
        if (volumeMade) discardSnapshotVolume(rec.project, vol.name, poolName);
        else db::clearPendingChange(db_, db::kPendingSnapshot, rec.project, vol.name);
        throw;
    }
    // backup.yaml lists the snapshots (recovery and imports rebuild them from it).
    writeBackupYaml(*this, storage_, db_, rec, ref(rec).volumePath);
    util::faultPoint("snapshot-create-after-record");
    events_.lifecycle(rec.project, "instance-snapshot-created", snapshotUrl(rec.name, snap.name));
}

void InstanceService::discardSnapshotVolume(const std::string& project, const std::string& volume,
                                            const std::string& poolName) {
    try { storage_.pool(poolName).deleteVolume(instanceVolume(project, volume), nullptr); } catch (...) {}
    db::clearPendingChange(db_, db::kPendingSnapshot, project, volume);
}

void InstanceService::updateSnapshot(const db::InstanceSnapshotRecord& updated) {
    auto guard = lock(updated.project, updated.instance);
    std::lock_guard held(*guard);
    snapshot(updated.project, updated.instance, updated.name);
    db::updateInstanceSnapshot(db_, updated);
    const auto rec = get(updated.project, updated.instance);
    writeBackupYaml(*this, storage_, db_, rec, ref(rec).volumePath);
    events_.lifecycle(updated.project, "instance-snapshot-updated", snapshotUrl(updated.instance, updated.name));
}

void InstanceService::checkSnapshotRename(const std::string& project, const std::string& instance,
                                          const std::string& from, const std::string& to) {
    get(project, instance);
    snapshot(project, instance, from);
    config::checkSnapshotName(to);
    if (db::instanceSnapshot(db_, project, instance, to)) throw Conflict("Name \"" + to + "\" already in use");
}

void InstanceService::renameSnapshot(const std::string& project, const std::string& instance, const std::string& from,
                                     const std::string& to) {
    auto guard = lock(project, instance);
    std::lock_guard held(*guard);
    auto rec = get(project, instance);
    checkSnapshotRename(project, instance, from, to);
    auto& pool = storage_.pool(poolOf(rec));
    pool.renameVolume(snapshotVolume(project, instance, from), instance + "/" + to);
    try {
        db::renameInstanceSnapshot(db_, project, instance, from, to);
    } catch (...) {
        try { pool.renameVolume(snapshotVolume(project, instance, to), instance + "/" + from); } catch (...) {}
        throw;
    }
    writeBackupYaml(*this, storage_, db_, rec, ref(rec).volumePath);
    events_.lifecycle(project, "instance-snapshot-renamed", snapshotUrl(instance, to), {{"old_name", from}});
}

void InstanceService::removeSnapshot(const std::string& project, const std::string& instance,
                                     const std::string& name) {
    auto guard = lock(project, instance);
    std::lock_guard held(*guard);
    auto rec = get(project, instance);
    snapshot(project, instance, name);
    storage_.pool(poolOf(rec)).deleteVolume(snapshotVolume(project, instance, name), nullptr);
    db::deleteInstanceSnapshot(db_, project, instance, name);
    writeBackupYaml(*this, storage_, db_, rec, ref(rec).volumePath);
    events_.lifecycle(project, "instance-snapshot-deleted", snapshotUrl(instance, name));
}

void InstanceService::removeSnapshots(const db::InstanceRecord& rec, plugins::StoragePool& pool) {
    for (const auto& snap : snapshots(rec.project, rec.name)) {
        pool.deleteVolume(snapshotVolume(rec.project, rec.name, snap.name), nullptr);
        db::deleteInstanceSnapshot(db_, rec.project, rec.name, snap.name);
    }
}

void InstanceService::restore(const std::string& project, const std::string& instance, const std::string& name,
                              ops::Operation& op) {
    auto guard = lock(project, instance);
    std::lock_guard held(*guard);
    auto rec = get(project, instance);
    const auto snap = snapshot(project, instance, name);
    auto& pool = storage_.pool(poolOf(rec));
    // The snapshot's config and devices come back: they must pass the project as it is now.
    auto restored = rec;
    restored.architecture = snap.architecture;
    restored.config = restoredConfig(rec.config, snap.config);
    restored.devices = snap.devices;
    restored.profiles = snap.profiles;
    policy_.checkProjectRoom(restored);

    // As upstream: a running instance is stopped for the restore and started again after it.
    const bool wasRunning = isRunning(rec);
    if (wasRunning) stop(rec, true, 0, &op);
    try {
        pool.restoreVolume(instanceVolume(project, instance), snapshotVolume(project, instance, name),
                           op.abiHandle());
        db_.transaction([&] {
            // Read again: the stop recorded its volatile keys.
            auto current = get(project, instance);
            current.architecture = restored.architecture;
            current.config = restoredConfig(current.config, snap.config);
            current.devices = restored.devices;
            current.profiles = restored.profiles;
            db_.updateInstance(current);
        });
        // The restored data brought the snapshot's older backup.yaml back.
        const auto now = get(project, instance);
        writeBackupYaml(*this, storage_, db_, now, ref(now).volumePath);
    } catch (...) {
        if (wasRunning) {
            try { start(get(project, instance), &op); } catch (...) {}
        }
        throw;
    }
    if (wasRunning) start(get(project, instance), &op);
    events_.lifecycle(project, "instance-restored", instanceUrl(instance), {{"snapshot", name}});
}

std::string InstanceService::snapshotPath(const db::InstanceRecord& parent, const std::string& snapshot) {
    return storage_.pool(poolOf(parent)).mountVolume(snapshotVolume(parent.project, parent.name, snapshot));
}

nlohmann::json InstanceService::renderSnapshot(const db::InstanceRecord& parent, const db::InstanceSnapshotRecord& snap,
                                               bool withSize) {
    // Expanded as the instance it was: its own config over the profiles as they are now.
    auto ex = expand(asInstance(parent, snap));
    int64_t size = -1;
    if (withSize) {
        try {
            size = static_cast<int64_t>(
                storage_.pool(poolOf(parent)).volumeUsage(snapshotVolume(snap.project, snap.instance, snap.name)));
        } catch (const std::exception& e) {
            Poco::Logger::get("instances").warning("usage of snapshot %s/%s: %s", snap.instance, snap.name,
                                                   std::string(e.what()));
        }
    }
    return {{"name", snap.name},
            {"architecture", snap.architecture},
            {"config", snap.config},
            {"devices", snap.devices},
            {"ephemeral", false},
            {"profiles", snap.profiles},
            {"stateful", snap.stateful},
            {"description", snap.description},
            {"created_at", snap.createdAt},
            {"expires_at", snap.expiresAt.empty() ? util::kZeroTime : snap.expiresAt},
            {"last_used_at", util::kZeroTime},
            {"expanded_config", ex.config},
            {"expanded_devices", ex.devices},
            {"size", size}};
}

db::InstanceRecord InstanceService::asInstance(const db::InstanceRecord& parent,
                                               const db::InstanceSnapshotRecord& snap) {
    db::InstanceRecord as = parent;
    as.architecture = snap.architecture;
    as.config = snap.config;
    as.devices = snap.devices;
    as.profiles = snap.profiles;
    return as;
}

std::string InstanceService::snapshotEtag(const db::InstanceSnapshotRecord& snap) {
    return util::sha256Hex(nlohmann::json{{"expires_at", snap.expiresAt}, {"description", snap.description}}.dump());
}

}  // namespace lxdp::services
