// Instances: records, profiles expansion, and every lifecycle step, reaching the backends only
// through the storage and instance adapters.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/Records.h"
#include "db/SnapshotRecords.h"
#include "plugins/InstanceDriver.h"
#include "services/DeviceHotPlug.h"
#include "services/InstanceExpansion.h"
#include "services/InstanceListCache.h"
#include "services/ProjectPolicy.h"
#include "services/InitWatch.h"
#include "services/ProxyDevices.h"
#include "util/KeyedMutexes.h"

namespace lxdp::daemon { struct Paths; }
namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }
namespace lxdp::ops { class Operation; }
namespace lxdp::tls { struct ServerCertificate; }
namespace lxdp::plugins {
class PluginRegistry;
class StoragePool;
struct VolumeRef;
}  // namespace lxdp::plugins

namespace lxdp::services {

// What rendering a list of instances shares, read from the database once per request instead of
// once per instance: the profiles of the project and the pool of each instance's root volume.
struct InstanceListContext {
    std::map<std::string, db::ProfileRecord> profiles;  // by name
    std::map<std::string, std::string> pools;           // instance name -> pool of its volume
    // instance name -> its snapshots, read only for a list that shows them (recursion 2)
    std::optional<std::map<std::string, std::vector<db::InstanceSnapshotRecord>>> snapshots;
};

class StorageService;
class ImageService;
class MigrationChannel;
class ImageVolumes;
class NetworkService;

class InstanceService {
public:
    InstanceService(const daemon::Paths& paths, db::Database& db, events::EventHub& events,
                    plugins::PluginRegistry& plugins, StorageService& storage, ImageService& images,
                    ImageVolumes& imageVolumes)
        : paths_(paths), db_(db), events_(events), plugins_(plugins), storage_(storage), images_(images),
          imageVolumes_(imageVolumes) {}

    db::InstanceRecord get(const std::string& project, const std::string& name);
    Expanded expand(const db::InstanceRecord& rec, const InstanceListContext* list = nullptr);
    // NICs on managed networks are prepared through it at start (constructed after this service).
    void setNetworks(NetworkService* networks) { networks_ = networks; }

    // POST /1.0/instances: the synchronous checks, then the work inside op.
    db::InstanceRecord prepareCreate(const std::string& project, const nlohmann::json& req);
    void create(db::InstanceRecord rec, const nlohmann::json& source, ops::Operation& op);

    // PUT/PATCH: validates and stores the user-editable fields.
    // ifMatch, when not empty, must be the ETag of the stored instance: the comparison and the
    // write happen under the instance lock, so of concurrent updates with one ETag one wins.
    void update(const db::InstanceRecord& updated, const std::string& ifMatch = "");
    // A profile change: store(after) records it, then each running instance using the profile
    // gets the change live (its devices hot-plugged, limits); when a driver refuses,
    // store(before) undoes the record and the instances already changed go back.
    void followProfile(const db::ProfileRecord& before, const db::ProfileRecord& after,
                       const std::function<void(const db::ProfileRecord&)>& store);
    // checkRename: the synchronous checks of a rename (the new name valid and free, stopped).
    void checkRename(const std::string& project, const std::string& from, const std::string& to);
    void rename(const std::string& project, const std::string& from, const std::string& to);
    // POST /1.0/instances/<name> with "migration" and "pool" (instance_pool_move): the stopped
    // instance's volume, with its snapshots unless instanceOnly, moves to pool. The records
    // change in one transaction once the new volumes are whole; until then a failure leaves
    // the instance where it was. checkPoolMove holds the synchronous checks.
    void checkPoolMove(const std::string& project, const std::string& name, const std::string& pool);
    void moveToPool(const std::string& project, const std::string& name, const std::string& pool, bool instanceOnly,
                    ops::Operation& op);
    // ---- migration between servers (InstanceMigration.cpp) ----
    // POST /1.0/instances/<name> with "migration": the synchronous checks (live migration of a
    // running instance is refused), then the source's side once the target attached channel.
    void checkMigrateOut(const std::string& project, const std::string& name, bool live);
    void migrateOut(const std::string& project, const std::string& name, bool instanceOnly, MigrationChannel& channel);
    // POST /1.0/instances with source type "migration" (pull): rec as prepareCreate checked it;
    // the source is reached presenting identity.
    void createFromMigration(db::InstanceRecord rec, const nlohmann::json& source,
                             const tls::ServerCertificate& identity, ops::Operation& op);
    void remove(const std::string& project, const std::string& name);
    // PUT /state: start, stop, restart, freeze, unfreeze.
    void changeState(const std::string& project, const std::string& name, const std::string& action, bool force,
                     int timeout, ops::Operation& op);
    // Synchronous pre-checks of a state change, so a refusal is a plain error.
    void checkStateChange(const std::string& project, const std::string& name, const std::string& action);

    // list, from listContext(), spares the database lookups of each instance of a list.
    InstanceListContext listContext(const std::string& project, bool withSnapshots = false);
    nlohmann::json render(const db::InstanceRecord& rec, int recursion, const InstanceListContext* list = nullptr);
    // What render gives at recursion 1 but the status: all of it from the database.
    nlohmann::json renderWithoutStatus(const db::InstanceRecord& rec, const InstanceListContext* list = nullptr);
    nlohmann::json renderState(const db::InstanceRecord& rec, const InstanceListContext* list = nullptr);
    // The status (LXDP_STATE_*) the driver tells for ref; Error, logged, when it cannot tell.
    static uint32_t statusOf(const plugins::InstanceDriver& driver, const plugins::InstanceRef& ref);
    // A status as the API names it ("Running", ...).
    static const char* statusName(uint32_t status);
    // GET /1.0/instances?recursion=1 without a filter, kept between requests.
    InstanceListCache& listCache() { return listCache_; }
    std::string etag(const db::InstanceRecord& rec);

    // The adapter and call-time view of an instance (its volume mounted), for exec and files.
    const plugins::InstanceDriver& driver(const db::InstanceRecord& rec);
    plugins::InstanceRef ref(const db::InstanceRecord& rec, const InstanceListContext* list = nullptr);
    bool isRunning(const db::InstanceRecord& rec);
    // The call-time view of a running (or frozen) instance; nothing when it is stopped.
    std::optional<plugins::InstanceRef> runningRef(const db::InstanceRecord& rec);

    // Host boot and shutdown (HostLifecycle): start without an operation; stop cleanly within
    // timeoutS seconds, then by force, keeping volatile.last_state.power=RUNNING for the next boot.
    void startForBoot(const db::InstanceRecord& rec);
    void stopForHostShutdown(const db::InstanceRecord& rec, int timeoutS);
    // For a daemon that starts with the instance already running: its host-side devices
    // (proxies) serve again.
    void resumeHostDevices(const db::InstanceRecord& rec);

    // After recovery rebuilt the records of an instance whose volume was there: the containers/
    // link and a fresh backup.yaml, as a new instance gets them. Failures are logged: the
    // records are what matters, and these follow at the next update.
    void finishRecovered(const std::string& project, const std::string& name);

    // Undoes a creation (from an image, a copy or a backup) that failed or was interrupted: the
    // driver's records, the volume with its snapshots when this creation made it (volumeMade),
    // the containers/ link, the rows and the pending change, so a retry finds no trace.
    void discardCreated(const db::InstanceRecord& rec, const std::string& poolName, bool volumeMade);
    // At start, before serving: each change a killed daemon left in pending_changes is rolled
    // back (creations, snapshots, renames) or finished (deletions) (InterruptedChanges.cpp).
    void settleInterruptedChanges();

    // Serializes lifecycle steps on one instance.
    std::shared_ptr<std::mutex> lock(const std::string& project, const std::string& name);

    // ---- snapshots and restore (InstanceSnapshots.cpp) ----
    std::vector<db::InstanceSnapshotRecord> snapshots(const std::string& project, const std::string& instance);
    db::InstanceSnapshotRecord snapshot(const std::string& project, const std::string& instance,
                                        const std::string& name);
    // POST .../snapshots: the synchronous checks of the request; fills in the name and expiry to use.
    db::InstanceSnapshotRecord prepareSnapshot(const std::string& project, const std::string& instance,
                                               const nlohmann::json& req);
    void createSnapshot(const db::InstanceSnapshotRecord& planned, ops::Operation& op);
    // PUT/PATCH: the description and the expiry.
    void updateSnapshot(const db::InstanceSnapshotRecord& updated);
    // The synchronous checks of a rename: both names, and the new one free.
    void checkSnapshotRename(const std::string& project, const std::string& instance, const std::string& from,
                             const std::string& to);
    void renameSnapshot(const std::string& project, const std::string& instance, const std::string& from,
                        const std::string& to);
    void removeSnapshot(const std::string& project, const std::string& instance, const std::string& name);
    // PUT of the instance with "restore": a running instance is stopped and started again.
    void restore(const std::string& project, const std::string& instance, const std::string& snapshot,
                 ops::Operation& op);
    // The mounted path of a snapshot's volume, to read it (publish, backups).
    std::string snapshotPath(const db::InstanceRecord& parent, const std::string& snapshot);
    // withSize walks the snapshot's volume for its usage; lists of instances leave it at -1.
    nlohmann::json renderSnapshot(const db::InstanceRecord& parent, const db::InstanceSnapshotRecord& snap,
                                  bool withSize);
    static std::string snapshotEtag(const db::InstanceSnapshotRecord& snap);
    // The instance a snapshot was taken of, as it was then (name and identity of the parent).
    static db::InstanceRecord asInstance(const db::InstanceRecord& parent, const db::InstanceSnapshotRecord& snap);

private:
    // ---- creation (InstanceService.cpp for images, InstanceCopy.cpp for copies) ----
    // Every new instance, whatever its source: its rows, the volume makeVolume creates, then
    // afterVolume (copied snapshots), the driver's preparation, the templates of trigger and
    // the containers/ link. A failure at any step leaves nothing behind.
    using VolumeStep = std::function<void(plugins::StoragePool& pool)>;
    void provision(db::InstanceRecord rec, const VolumeStep& makeVolume, const VolumeStep& afterVolume,
                   const std::string& trigger, ops::Operation& op);
    void createFromImage(db::InstanceRecord rec, const nlohmann::json& source, ops::Operation& op);
    void inheritFromCopySource(db::InstanceRecord& rec, const nlohmann::json& source, bool profilesGiven);
    void createFromCopy(db::InstanceRecord rec, const nlohmann::json& source, ops::Operation& op);
    // A copy made again onto an existing, stopped instance (fromSnapshot: the source's snapshot
    // to copy, empty for the instance): snapshots it has that the source lacks go, those it lacks
    // are copied, and its files are synchronised with the source's.
    void refreshCopy(const db::InstanceRecord& parent, const std::string& fromSnapshot,
                     const db::InstanceRecord& requested, bool instanceOnly, ops::Operation& op);
    // Makes the files of to's volume (on toPool) those of the volume from of parent.
    void syncVolume(const db::InstanceRecord& parent, const plugins::VolumeRef& from, const db::InstanceRecord& to,
                    plugins::StoragePool& toPool, ops::Operation& op);
    // Copies snapshots of from (oldest first) as snapshots of to, on toPool, and records them.
    // Between pools each one passes through to's volume, whose files they replace, unless
    // streamed (each then goes as the driver's stream, a difference from the one before).
    void copySnapshots(const db::InstanceRecord& from, const std::vector<db::InstanceSnapshotRecord>& snaps,
                       const db::InstanceRecord& to, plugins::StoragePool& toPool, ops::Operation& op,
                       bool streamed = false);
    // Creates to's volume on toPool as a stream of parent's volume from (after its snapshots
    // snaps were streamed there), or by copying its files when the driver cannot stream it.
    void streamInstanceVolume(const db::InstanceRecord& parent, const plugins::VolumeRef& from,
                              const std::vector<db::InstanceSnapshotRecord>& snaps, const db::InstanceRecord& to,
                              plugins::StoragePool& toPool, ops::Operation& op);
    // Deletes the snapshots of an instance: volumes, then records.
    void removeSnapshots(const db::InstanceRecord& rec, plugins::StoragePool& pool);
    // Unfreezes an instance a killed snapshot left frozen.
    void thawIfFrozen(const db::InstanceRecord& rec);
    // The end of a deletion once the volumes are gone: the link, backups, leases and rows.
    void eraseDeleted(const db::InstanceRecord& rec, const std::string& poolName);
    // Takes a rename whose rows still say rec.name back there: the driver's records, the
    // volume, the containers/ link and the pending change. Steps not taken yet fail quietly.
    void undoRename(const db::InstanceRecord& rec, const std::string& to, const std::string& poolName);
    // The view of an instance whose volume may be gone: enough for its driver to find its own
    // records (remove, rename).
    static plugins::InstanceRef bareRef(const db::InstanceRecord& rec, const std::string& name);
    // Deletes the volume of a snapshot whose record was never made, and its pending change.
    void discardSnapshotVolume(const std::string& project, const std::string& volume, const std::string& poolName);
    // Runs fn with a running instance frozen, so a copy of its volume is consistent.
    void whileFrozen(const db::InstanceRecord& rec, const std::function<void()>& fn);

    std::string poolOf(const db::InstanceRecord& rec, const InstanceListContext* list = nullptr);
    std::string containerLink(const std::string& project, const std::string& name) const;
    void applyTemplates(const db::InstanceRecord& rec, const plugins::InstanceRef& ref, const std::string& trigger);
    void recordVolatile(const std::string& project, const std::string& name, const std::map<std::string, std::string>& keys);
    // Gives a container the id map the daemon chooses (assignInstanceIdmap: an isolated range,
    // raw.idmap's entries) before the driver creates or starts it; rec is read again when that
    // recorded anything (returns true).
    bool assignIdmap(db::InstanceRecord& rec);
    // The checks of every write of an instance record: config, devices, the driver's rules and
    // the project's limits and restrictions (current: the record it replaces, null for a new one).
    void validateRecord(const db::InstanceRecord& rec, const db::InstanceRecord* current);
    void start(const db::InstanceRecord& rec, ops::Operation* op);
    void stop(const db::InstanceRecord& rec, bool force, int timeout, ops::Operation* op);
    // Makes the host-side devices (proxies) of a running instance match its expanded devices.
    void syncHostDevices(const db::InstanceRecord& rec);
    // A stored change reaches the running instance live was the view of: devices hot-plugged
    // (their volatile keys recorded), then the driver's live update. Returns the view after and
    // fills plugged; on a failure undoes its own steps and throws.
    plugins::InstanceRef applyLive(const db::InstanceRecord& rec, const plugins::InstanceRef& live,
                                   DeviceChanges& plugged);
    // Best-effort undo of an applyLive that succeeded, for a later step that failed.
    void undoLive(const db::InstanceRecord& rec, const plugins::InstanceRef& live, const plugins::InstanceRef& after,
                  const DeviceChanges& plugged) noexcept;
    static std::string key(const db::InstanceRecord& rec) { return rec.project + "/" + rec.name; }
    // The init of key's instance ended (a halt inside, say): its proxies go, and come back
    // where the instance runs again already (a reboot).
    void initExited(const std::string& key, int64_t pid);

    const daemon::Paths& paths_;
    db::Database& db_;
    events::EventHub& events_;
    plugins::PluginRegistry& plugins_;
    StorageService& storage_;
    ImageService& images_;
    ImageVolumes& imageVolumes_;
    NetworkService* networks_ = nullptr;
    ProjectPolicy policy_{db_};
    ProxyDevices proxies_;
    util::KeyedMutexes locks_;
    InstanceListCache listCache_{db_, *this};
    // Last, so it goes first: its thread calls initExited, which uses the members above.
    InitWatch inits_{[this](const std::string& key, int64_t pid) { initExited(key, pid); }};
};

}  // namespace lxdp::services
