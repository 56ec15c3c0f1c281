// InstanceService: a stopped instance moved to another storage pool (lxc move c1 -s pool,
// instance_pool_move). The new volumes are made whole first, the records then change in one
// transaction, and only then do the old volumes go: a failure before the transaction leaves the
// instance on its pool as it was, with nothing of it on the other.
#include <Poco/Logger.h>
#include <unistd.h>

#include <optional>

#include "config/Devices.h"
#include "daemon/Paths.h"
#include "db/Database.h"
#include "db/SnapshotQueries.h"
#include "events/EventHub.h"
#include "ops/Operation.h"
#include "plugins/StorageDriver.h"
#include "services/BackupFile.h"
#include "services/InstanceService.h"
#include "services/InstanceVolumes.h"
#include "services/RootDiskSize.h"
#include "services/StorageService.h"
#include "services/TreeSync.h"
#include "services/VolumeStreams.h"
#include "util/ApiError.h"

namespace lxdp::services {

void InstanceService::checkPoolMove(const std::string& project, const std::string& name, const std::string& pool) {
    const auto rec = get(project, name);
    if (!db_.pool(pool)) throw NotFound("Storage pool \"" + pool + "\" not found");
    if (poolOf(rec) == pool) throw BadRequest("Instance \"" + name + "\" is already on storage pool \"" + pool + "\"");
    if (isRunning(rec)) throw BadRequest("Instance \"" + name + "\" must be stopped to be moved to another pool");
}

void InstanceService::moveToPool(const std::string& project, const std::string& name, const std::string& poolName,
                                 bool instanceOnly, ops::Operation& op) {
    auto guard = lock(project, name);
    std::lock_guard held(*guard);
    checkPoolMove(project, name, poolName);
    const auto rec = get(project, name);
    const std::string fromName = poolOf(rec);
    auto& from = storage_.pool(fromName);
    auto& to = storage_.pool(poolName);

    // The instance's own root disk names the new pool; one from a profile is overridden on the
    // instance, as upstream does, so the profile keeps naming its pool for the others.
    auto moved = rec;
    const auto root = config::findRootDisk(expand(rec).devices);
    if (!root) throw BadRequest("No root device could be found");
    auto& disk = moved.devices[root->first];
    if (disk.empty()) disk = root->second;
    disk["pool"] = poolName;
    validateRecord(moved, &rec);

    const auto volume = instanceVolume(project, name);
    const auto snaps = snapshots(project, name);
    // What was made on the new pool, undone last first.
    std::vector<plugins::VolumeRef> made;
    try {
        bool snapshotsMoved = instanceOnly, volumeMoved = false;
        if (canStream(from, to)) {
            // Both pools stream (btrfs send/receive): each snapshot as its difference from the
            // one before, the volume last as its difference from the newest snapshot.
            std::optional<plugins::VolumeRef> base;
            for (const auto& snap : instanceOnly ? std::vector<db::InstanceSnapshotRecord>{} : snaps) {
                const auto snapVolume = snapshotVolume(project, name, snap.name);
                streamSnapshot(from, snapVolume, base ? &*base : nullptr, to, snapVolume, op);
                made.push_back(snapVolume);
                base = snapVolume;
            }
            snapshotsMoved = true;
            volumeMoved = streamVolume(from, volume, base ? &*base : nullptr, to, volume, op);
            if (volumeMoved) made.push_back(volume);
        }
        if (!volumeMoved) {
            to.createVolume(volume, nullptr, op.abiHandle());
            made.push_back(volume);
            const std::string target = to.mountVolume(volume);
            // Oldest snapshot first, each taken of the new volume holding its files; the
            // instance's own files last.
            if (!snapshotsMoved)
                for (const auto& snap : snaps) {
                    syncTree(from.mountVolume(snapshotVolume(project, name, snap.name)), target, op);
                    const auto snapVolume = snapshotVolume(project, name, snap.name);
                    to.snapshotVolume(snapVolume, op.abiHandle());
                    made.push_back(snapVolume);
                }
            syncTree(from.mountVolume(volume), target, op);
        }
        if (const std::string size = rootDiskSize(expand(moved).devices); !size.empty())
            applyRootDiskSize(plugins_, *db_.pool(poolName), to, volume, size);

        auto volumeRow = db_.volume(project, LXDP_VOLUME_CONTAINER, name);
        if (!volumeRow) throw InternalError("Instance \"" + name + "\" has no volume record");
        db_.transaction([&] {
            db_.deleteVolume(fromName, project, LXDP_VOLUME_CONTAINER, name);
            volumeRow->pool = poolName;
            db_.createVolume(*volumeRow);
            db_.updateInstance(moved);
            if (instanceOnly) db::deleteInstanceSnapshots(db_, project, name);
            else
                for (auto snap : snaps) {
                    pointRootDiskAt(snap.devices, poolName);
                    db::setInstanceSnapshotDevices(db_, snap);
                }
        });
    } catch (...) {
        for (auto it = made.rbegin(); it != made.rend(); ++it) try { to.deleteVolume(*it, nullptr); } catch (...) {}
        throw;
    }

    // Moved: what is left on the old pool is only garbage now, so a failure to remove it is
    // logged, not reported as a failed move.
    try {
        for (const auto& snap : snaps) from.deleteVolume(snapshotVolume(project, name, snap.name), nullptr);
        from.deleteVolume(volume, nullptr);
    } catch (const std::exception& e) {
        Poco::Logger::get("instances").error("instance %s moved to pool %s, but its old volume on %s remains: %s", name,
                                             poolName, fromName, std::string(e.what()));
    }
    const auto now = get(project, name);
    const std::string volumePath = to.mountVolume(volume);
    ::unlink(containerLink(project, name).c_str());
    if (::symlink(volumePath.c_str(), containerLink(project, name).c_str()) != 0)
        Poco::Logger::get("instances").warning("cannot link %s/%s to its volume", paths_.containers, name);
    writeBackupYaml(*this, storage_, db_, now, volumePath);
    events_.lifecycle(project, "instance-updated", instanceUrl(name));
}

}  // namespace lxdp::services
