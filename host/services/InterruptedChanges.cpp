// InstanceService: the start after a crash. Each row of pending_changes names a change that a
// killed daemon began and did not finish; it is settled so that what the API shows is either the
// change's result or no trace of it. Only the volumes a row names are touched: volumes without
// records are otherwise left for `lxd recover`.
#include <Poco/Logger.h>

#include <unistd.h>

#include "db/Database.h"
#include "db/PendingChanges.h"
#include "plugins/StorageDriver.h"
#include "services/InstanceService.h"
#include "services/InstanceVolumes.h"
#include "services/StorageService.h"

namespace lxdp::services {

// The instance a killed snapshot froze runs on.
void InstanceService::thawIfFrozen(const db::InstanceRecord& rec) {
    auto r = ref(rec);
    if (driver(rec).state(r).status == LXDP_STATE_FROZEN) driver(rec).unfreeze(r);
}

plugins::InstanceRef InstanceService::bareRef(const db::InstanceRecord& rec, const std::string& name) {
    plugins::InstanceRef r;
    r.type = static_cast<uint32_t>(rec.type);
    r.project = rec.project;
    r.name = name;
    return r;
}

void InstanceService::undoRename(const db::InstanceRecord& rec, const std::string& to, const std::string& poolName) {
    auto& pool = storage_.pool(poolName);
    try { driver(rec).rename(bareRef(rec, to), rec.name); } catch (...) {}
    try { pool.renameVolume(instanceVolume(rec.project, to), rec.name); } catch (...) {}
    ::unlink(containerLink(rec.project, to).c_str());
    ::unlink(containerLink(rec.project, rec.name).c_str());
    try {
        ::symlink(pool.mountVolume(instanceVolume(rec.project, rec.name)).c_str(),
                  containerLink(rec.project, rec.name).c_str());
    } catch (...) {}
    db::clearPendingChange(db_, db::kPendingRename, rec.project, rec.name);
}

void InstanceService::settleInterruptedChanges() {
    auto& log = Poco::Logger::get("instances");
    for (const auto& change : db::pendingChanges(db_)) {
        // Custom volumes' changes are VolumeService's.
        if (change.kind == db::kPendingVolumeDelete || change.kind == db::kPendingVolumeRename) continue;
        log.warning("settling an interrupted %s of %s (project %s, started %s)", change.kind, change.name,
                    change.project, change.started);
        try {
            if (change.kind == db::kPendingCreate) {
                if (auto rec = db_.instance(change.project, change.name)) discardCreated(*rec, change.pool, true);
            } else if (change.kind == db::kPendingDelete) {
                if (auto rec = db_.instance(change.project, change.name)) {
                    try { driver(*rec).remove(bareRef(*rec, rec->name)); } catch (...) {}
                    // The volume takes its snapshots' volumes along.
                    try { storage_.pool(change.pool).deleteVolume(instanceVolume(rec->project, rec->name), nullptr); } catch (...) {}
                    eraseDeleted(*rec, change.pool);
                }
            } else if (change.kind == db::kPendingRename) {
                if (auto rec = db_.instance(change.project, change.name)) undoRename(*rec, change.detail, change.pool);
            } else if (change.kind == db::kPendingSnapshot) {
                discardSnapshotVolume(change.project, change.name, change.pool);
                const std::string instance = change.name.substr(0, change.name.find('/'));
                if (auto rec = db_.instance(change.project, instance); rec && change.detail == "thaw")
                    thawIfFrozen(*rec);
            }
            db::clearPendingChange(db_, change.kind, change.project, change.name);
        } catch (const std::exception& e) {
            // Kept for the next start: the pool may be back then.
            log.error("cannot settle the interrupted %s of %s: %s", change.kind, change.name, std::string(e.what()));
        }
    }
}

}  // namespace lxdp::services
