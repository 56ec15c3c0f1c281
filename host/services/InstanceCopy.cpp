// InstanceService: new instances copied from an instance ("c1") or from a snapshot
// ("c1/snap0") of the same project or of source.project, on the source's pool or another one,
// with the source's snapshots unless instance_only. The copy is checked against its own project
// as any new instance: what the source carries and what the request overrides alike.
// A refresh (container_incremental_copy) brings an existing, stopped copy up to date instead.
#include <optional>

#include "db/Database.h"
#include "db/SnapshotQueries.h"
#include "events/EventHub.h"
#include "ops/Operation.h"
#include "plugins/StorageDriver.h"
#include "services/InstanceService.h"
#include "services/InstanceVolumes.h"
#include "services/BackupFile.h"
#include "services/StorageService.h"
#include "services/TreeSync.h"
#include "services/VolumeStreams.h"
#include "util/ApiError.h"
#include "util/FaultPoint.h"
#include "util/Random.h"
#include "util/Time.h"

namespace lxdp::services {

namespace {

struct SourceName {
    std::string instance;
    std::string snapshot;  // empty: the instance itself
};

SourceName sourceName(const nlohmann::json& source) {
    const std::string name = source.value("source", "");
    if (name.empty()) throw BadRequest("A copy needs the name of its source instance");
    const size_t slash = name.find('/');
    if (slash == std::string::npos) return {name, ""};
    return {name.substr(0, slash), name.substr(slash + 1)};
}

bool isVolatile(const std::string& key) { return key.rfind("volatile.", 0) == 0; }

// The project of the source: source.project, else the copy's own.
std::string sourceProject(const nlohmann::json& source, const std::string& target) {
    const std::string project = source.value("project", "");
    return project.empty() ? target : project;
}

}  // namespace

void InstanceService::inheritFromCopySource(db::InstanceRecord& rec, const nlohmann::json& source,
                                            bool profilesGiven) {
    const std::string project = sourceProject(source, rec.project);
    const auto name = sourceName(source);
    const auto parent = get(project, name.instance);
    const auto from = name.snapshot.empty() ? parent : asInstance(parent, snapshot(project, name.instance, name.snapshot));

    // As upstream: what the request sets wins and the source fills in the rest, except the
    // source's volatile keys: they are its identity (uuid, MAC addresses), not the copy's.
    std::erase_if(rec.config, [](const auto& kv) { return isVolatile(kv.first) && kv.first != "volatile.base_image"; });
    for (const auto& [k, v] : from.config)
        if (!isVolatile(k) || k == "volatile.base_image") rec.config.try_emplace(k, v);
    for (const auto& [k, v] : from.devices) rec.devices.try_emplace(k, v);
    if (!profilesGiven) rec.profiles = from.profiles;
    rec.type = from.type;
    rec.architecture = from.architecture;
}

void InstanceService::createFromCopy(db::InstanceRecord rec, const nlohmann::json& source, ops::Operation& op) {
    const auto name = sourceName(source);
    const bool instanceOnly = source.value("instance_only", false) || source.value("container_only", false);
    // The source is looked up before it is locked: a copy being made holds its own lock from
    // before its record exists, so two copies of each other's names cannot wait on each other.
    const std::string project = sourceProject(source, rec.project);
    get(project, name.instance);
    auto guard = lock(project, name.instance);
    std::lock_guard held(*guard);
    // Read again under the lock: the source may have changed since the request was checked.
    const auto parent = get(project, name.instance);
    const auto from = name.snapshot.empty() ? parent : asInstance(parent, snapshot(project, name.instance, name.snapshot));
    if (source.value("refresh", false) && db_.instance(rec.project, rec.name))
        return refreshCopy(parent, name.snapshot, rec, instanceOnly, op);

    rec.createdAt = util::nowRfc3339();
    rec.lastUsedAt = util::kZeroTime;
    // The copied data is shifted as the source's is: saying so keeps the driver from shifting
    // it again. Everything else that is volatile starts afresh.
    for (const auto& [k, v] : from.config)
        if (describesVolumeData(k)) rec.config[k] = v;
    rec.config["volatile.uuid"] = util::randomUuid();

    const auto sourceVolume = name.snapshot.empty() ? instanceVolume(project, name.instance)
                                                      : snapshotVolume(project, name.instance, name.snapshot);
    const bool samePool = poolOf(rec) == poolOf(parent);
    const auto snaps = name.snapshot.empty() && !instanceOnly ? snapshots(project, name.instance)
                                                              : std::vector<db::InstanceSnapshotRecord>{};
    VolumeStep makeVolume, fillVolume;
    if (samePool) {
        // The driver copies as it can best (a btrfs snapshot), then each snapshot the same way.
        makeVolume = [&](plugins::StoragePool& pool) {
            const auto target = instanceVolume(rec.project, rec.name);
            if (!name.snapshot.empty()) pool.copyVolume(target, sourceVolume, op.abiHandle());
            else whileFrozen(parent, [&] { pool.copyVolume(target, sourceVolume, op.abiHandle()); });
        };
        fillVolume = [&](plugins::StoragePool& pool) { copySnapshots(parent, snaps, rec, pool, op); };
    } else if (canStream(storage_.pool(poolOf(parent)), storage_.pool(poolOf(rec)))) {
        // Between pools of a driver that streams its volumes (btrfs send/receive): the snapshots
        // oldest first, each as its difference from the one before, the source's state last.
        makeVolume = [&](plugins::StoragePool& pool) {
            try {
                copySnapshots(parent, snaps, rec, pool, op, true);
                streamInstanceVolume(parent, sourceVolume, snaps, rec, pool, op);
            } catch (...) {
                // The volume is not made, so the snapshots streamed so far are not the caller's.
                try { removeSnapshots(rec, pool); } catch (...) {}
                throw;
            }
        };
    } else {
        // Between pools no driver sees both volumes: a new volume gets the files, the snapshots
        // first (each made from the volume holding its files), the source's own state last.
        makeVolume = [&](plugins::StoragePool& pool) {
            pool.createVolume(instanceVolume(rec.project, rec.name), nullptr, op.abiHandle());
        };
        fillVolume = [&](plugins::StoragePool& pool) {
            copySnapshots(parent, snaps, rec, pool, op);
            syncVolume(parent, sourceVolume, rec, pool, op);
        };
    }
    provision(rec, makeVolume, fillVolume, "copy", op);
}

void InstanceService::refreshCopy(const db::InstanceRecord& parent, const std::string& fromSnapshot,
                                  const db::InstanceRecord& requested, bool instanceOnly, ops::Operation& op) {
    auto guard = lock(requested.project, requested.name);
    std::lock_guard held(*guard);
    const auto target = get(requested.project, requested.name);
    if (isRunning(target)) throw BadRequest("The instance \"" + target.name + "\" must be stopped to be refreshed");
    auto& pool = storage_.pool(poolOf(target));

    if (fromSnapshot.empty() && !instanceOnly) {
        // A snapshot of the copy is kept when the source has one of that name taken at the same
        // time; any other goes, and the source's snapshots the copy lacks are copied.
        const auto wanted = snapshots(parent.project, parent.name);
        auto same = [](const db::InstanceSnapshotRecord& a, const db::InstanceSnapshotRecord& b) {
            return a.name == b.name && a.createdAt == b.createdAt;
        };
        std::vector<db::InstanceSnapshotRecord> kept;
        for (const auto& snap : snapshots(target.project, target.name)) {
            if (std::any_of(wanted.begin(), wanted.end(), [&](const auto& w) { return same(w, snap); })) {
                kept.push_back(snap);
                continue;
            }
            pool.deleteVolume(snapshotVolume(target.project, target.name, snap.name), nullptr);
            db::deleteInstanceSnapshot(db_, target.project, target.name, snap.name);
            events_.lifecycle(target.project, "instance-snapshot-deleted", snapshotUrl(target.name, snap.name));
        }
        std::vector<db::InstanceSnapshotRecord> missing;
        for (const auto& w : wanted)
            if (std::none_of(kept.begin(), kept.end(), [&](const auto& k) { return same(w, k); })) missing.push_back(w);
        copySnapshots(parent, missing, target, pool, op);
    }
    const auto sourceVolume = fromSnapshot.empty() ? instanceVolume(parent.project, parent.name)
                                                   : snapshotVolume(parent.project, parent.name, fromSnapshot);
    syncVolume(parent, sourceVolume, target, pool, op);

    // The files are now shifted as the source's are (an empty value erases a key).
    std::map<std::string, std::string> shifted;
    for (const auto& [k, v] : target.config)
        if (describesVolumeData(k)) shifted[k] = "";
    for (const auto& [k, v] : parent.config)
        if (describesVolumeData(k)) shifted[k] = v;
    recordVolatile(target.project, target.name, shifted);
    const auto refreshed = get(target.project, target.name);
    writeBackupYaml(*this, storage_, db_, refreshed, ref(refreshed).volumePath);
    events_.lifecycle(target.project, "instance-updated", instanceUrl(target.name));
}

void InstanceService::syncVolume(const db::InstanceRecord& parent, const plugins::VolumeRef& from,
                                 const db::InstanceRecord& to, plugins::StoragePool& toPool, ops::Operation& op) {
    const std::string src = storage_.pool(poolOf(parent)).mountVolume(from);
    const std::string dst = toPool.mountVolume(instanceVolume(to.project, to.name));
    // A snapshot does not change; the instance itself is frozen while its files are read.
    if (from.name.find('/') != std::string::npos) syncTree(src, dst, op);
    else whileFrozen(parent, [&] { syncTree(src, dst, op); });
}

void InstanceService::streamInstanceVolume(const db::InstanceRecord& parent, const plugins::VolumeRef& from,
                                           const std::vector<db::InstanceSnapshotRecord>& snaps,
                                           const db::InstanceRecord& to, plugins::StoragePool& toPool,
                                           ops::Operation& op) {
    auto& fromPool = storage_.pool(poolOf(parent));
    const auto target = instanceVolume(to.project, to.name);
    // The last snapshot streamed is the base the volume goes as a difference from.
    std::optional<plugins::VolumeRef> base;
    if (!snaps.empty()) base = snapshotVolume(parent.project, parent.name, snaps.back().name);
    bool streamed = false;
    auto send = [&] { streamed = streamVolume(fromPool, from, base ? &*base : nullptr, toPool, target, op); };
    if (from.name.find('/') != std::string::npos) send();
    else whileFrozen(parent, send);
    if (streamed) return;
    // The driver cannot stream this volume (nested btrfs subvolumes): its files are copied.
    toPool.createVolume(target, nullptr, op.abiHandle());
    try {
        syncVolume(parent, from, to, toPool, op);
    } catch (...) {
        try { toPool.deleteVolume(target, nullptr); } catch (...) {}
        throw;
    }
}

void InstanceService::copySnapshots(const db::InstanceRecord& from, const std::vector<db::InstanceSnapshotRecord>& snaps,
                                    const db::InstanceRecord& to, plugins::StoragePool& toPool, ops::Operation& op,
                                    bool streamed) {
    auto& fromPool = storage_.pool(poolOf(from));
    const bool samePool = &fromPool == &toPool;
    std::optional<plugins::VolumeRef> previous;  // the snapshot streamed before, when streamed
    for (auto snap : snaps) {
        const auto source = snapshotVolume(from.project, from.name, snap.name);
        const auto target = snapshotVolume(to.project, to.name, snap.name);
        if (samePool) {
            toPool.copyVolume(target, source, op.abiHandle());
        } else if (streamed) {
            streamSnapshot(fromPool, source, previous ? &*previous : nullptr, toPool, target, op);
            previous = source;
        } else {
            // The copy's volume takes the snapshot's files, then a snapshot of it is taken.
            syncTree(fromPool.mountVolume(source), toPool.mountVolume(instanceVolume(to.project, to.name)), op);
            toPool.snapshotVolume(target, op.abiHandle());
        }
        util::faultPoint("instance-copy-snapshot-before-record");
        // Each snapshot is recorded as soon as its volume exists, so a failure later finds
        // every volume made through the records.
        snap.project = to.project;
        snap.instance = to.name;
        if (!samePool) pointRootDiskAt(snap.devices, poolOf(to));
        try {
            db::createInstanceSnapshot(db_, snap);
        } catch (...) {
            try { toPool.deleteVolume(target, nullptr); } catch (...) {}
            throw;
        }
    }
}

}  // namespace lxdp::services
