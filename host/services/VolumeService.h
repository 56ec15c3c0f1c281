// Storage volumes of pools as the API sees them: custom volumes (create, copy, move, rename,
// update, restore, delete, snapshots) and the listing of every volume a pool holds.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/Records.h"
#include "db/SnapshotRecords.h"
#include "services/ProjectPolicy.h"

namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }
namespace lxdp::ops { class Operation; }
namespace lxdp::plugins {
class PluginRegistry;
struct VolumeRef;
}  // namespace lxdp::plugins

namespace lxdp::services {

class ImageVolumes;
class StorageService;

// API names of the volume types, indexed as LXDP_VOLUME_*: "container", "image", "custom",
// "virtual-machine". 400 for any other name.
int volumeTypeOf(const std::string& typeName);
std::string volumeTypeName(int type);

class VolumeService {
public:
    VolumeService(db::Database& db, events::EventHub& events, plugins::PluginRegistry& plugins,
                  StorageService& storage, ImageVolumes& imageVolumes);

    // The volumes of a pool a request in project sees, of one type when type >= 0: its instance
    // volumes, the custom volumes of volumeProject() and the image volumes of its images.
    std::vector<db::VolumeRecord> list(const std::string& pool, const std::string& project, int type);
    // project is the request's: the record is looked up in volumeProject(project, type).
    db::VolumeRecord get(const std::string& pool, const std::string& project, int type, const std::string& name);
    nlohmann::json render(const db::VolumeRecord& volume);
    // GET .../state: {"usage": {"used": bytes, "total": the size key in bytes, 0 without one}}
    // of a custom, container or virtual-machine volume (image volumes have no state: 400).
    nlohmann::json state(const std::string& pool, const std::string& project, int type, const std::string& name);
    static std::string etag(const db::VolumeRecord& volume);
    // Instances and profiles whose disk devices use the custom volume of project (the volume's
    // own), in every project that uses that project's volumes.
    std::vector<std::string> usedBy(const std::string& pool, const std::string& project, const std::string& name);

    // Checks a POST .../volumes[/custom] body and returns the volume it makes (config with the
    // pool's volume.* defaults); every refusal comes before anything changes.
    db::VolumeRecord prepareCreate(const std::string& pool, const std::string& project, const nlohmann::json& req);
    void create(const db::VolumeRecord& planned);
    // source: {"type":"copy","pool":...,"name":...,"volume_only":...,"project":...}; a source
    // project other than planned.project copies between projects (storage_api_project).
    void copy(const db::VolumeRecord& planned, const nlohmann::json& source, ops::Operation& op);

    // PUT (patch false) or PATCH of config and description; {"restore": snapshot} restores.
    void update(const std::string& pool, const std::string& project, const std::string& name,
                const nlohmann::json& req, bool patch);
    void checkRename(const std::string& pool, const std::string& project, const std::string& name,
                     const std::string& to, const std::string& toPool);
    void rename(const std::string& pool, const std::string& project, const std::string& name, const std::string& to);
    // Moves the volume (and its snapshots) to another pool, under the name to.
    void move(const std::string& pool, const std::string& project, const std::string& name, const std::string& to,
              const std::string& toPool, ops::Operation& op);
    // Checks moving the volume into project target under the name to (storage_volume_project_move):
    // the target exists and keeps its own volumes (features.storage.volumes), the name is free
    // there, the volume is attached nowhere, and the target's limits allow it. All 400.
    void checkProjectMove(const std::string& pool, const std::string& project, const std::string& name,
                          const std::string& target, const std::string& to);
    void moveToProject(const std::string& pool, const std::string& project, const std::string& name,
                       const std::string& target, const std::string& to, ops::Operation& op);
    void remove(const std::string& pool, const std::string& project, const std::string& name);

    // PUT of an image volume: its description; its config is the image's (400 when changed).
    void updateImageVolume(const std::string& pool, const std::string& name, const nlohmann::json& req);
    // DELETE of an image volume, as upstream: the pool's copy of the image goes, the image stays
    // and the next instance made from it on the pool unpacks it again.
    void removeImageVolume(const std::string& pool, const std::string& name);

    std::vector<db::VolumeSnapshotRecord> snapshots(const std::string& pool, const std::string& project,
                                                    const std::string& volume);
    db::VolumeSnapshotRecord snapshot(const std::string& pool, const std::string& project, const std::string& volume,
                                      const std::string& name);
    nlohmann::json renderSnapshot(const db::VolumeSnapshotRecord& snapshot);
    static std::string snapshotEtag(const db::VolumeSnapshotRecord& snapshot);
    db::VolumeSnapshotRecord prepareSnapshot(const std::string& pool, const std::string& project,
                                             const std::string& volume, const nlohmann::json& req);
    void createSnapshot(const db::VolumeSnapshotRecord& planned, ops::Operation& op);
    void updateSnapshot(const db::VolumeSnapshotRecord& snapshot);
    void checkSnapshotRename(const db::VolumeSnapshotRecord& snapshot, const std::string& to);
    void renameSnapshot(const db::VolumeSnapshotRecord& snapshot, const std::string& to);
    void deleteSnapshot(const db::VolumeSnapshotRecord& snapshot);

    // The start after a crash: a custom volume deletion cut short is finished, a rename undone
    // (db/PendingChanges.h). Runs once the pools are open.
    void settleInterruptedChanges();

private:
    // Puts a renamed volume back under its old name and forgets the pending rename.
    void undoRename(const db::VolumeRecord& volume, const std::string& to);
    // The rows of a deleted volume and its snapshots, and its pending deletion, in one transaction.
    void eraseDeleted(const db::VolumeRecord& volume);
    // Copies src (any volume, snapshots too unless volumeOnly) into the new custom volume dst.
    void copyInto(const db::VolumeRecord& dst, const db::VolumeRecord& src, bool volumeOnly, ops::Operation& op);
    void applySize(const db::VolumeRecord& volume, const std::string& size);
    // Copies src (with its snapshots) to pool toPool, project toProject, name to; then removes src.
    void relocate(const db::VolumeRecord& src, const std::string& toPool, const std::string& toProject,
                  const std::string& to, ops::Operation& op);
    // 400 naming the instances and profiles that use the volume, if any.
    void requireUnused(const std::string& pool, const std::string& project, const std::string& name);
    bool blockBacked(const std::string& driver);
    // The volume keys (validateVolumeConfig) and those the pool's driver has: block.* only on
    // block-backed drivers.
    void validateConfig(const db::PoolRecord& pool, const db::StringMap& config);

    db::Database& db_;
    events::EventHub& events_;
    plugins::PluginRegistry& plugins_;
    StorageService& storage_;
    ImageVolumes& imageVolumes_;
    ProjectPolicy policy_{db_};
    // Volume changes are rare and short next to instance work: one lock serialises them.
    std::recursive_mutex mutex_;
};

}  // namespace lxdp::services
