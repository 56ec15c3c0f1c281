// InstanceService: new instances copied from an instance ("c1") or from a snapshot
// ("c1/snap0") of the same project or of source.project, on the same pool, with the source's
// snapshots unless instance_only. The copy is checked against its own project as any new
// instance: what the source carries and what the request overrides alike.
#include "db/Database.h"
#include "db/SnapshotQueries.h"
#include "ops/Operation.h"
#include "plugins/StorageDriver.h"
#include "services/InstanceService.h"
#include "services/InstanceVolumes.h"
#include "services/StorageService.h"
#include "util/ApiError.h"
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
    if (source.value("refresh", false)) throw BadRequest("Refreshing an existing copy is not supported yet");
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
    if (poolOf(rec) != poolOf(parent)) throw BadRequest("Copies between storage pools are not supported yet");
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

    rec.createdAt = util::nowRfc3339();
    rec.lastUsedAt = util::kZeroTime;
    // The copied data is shifted as the source's is: saying so keeps the driver from shifting
    // it again. Everything else that is volatile starts afresh.
    for (const auto& [k, v] : from.config)
        if (describesVolumeData(k)) rec.config[k] = v;
    rec.config["volatile.uuid"] = util::randomUuid();

    const auto sourceVolume = name.snapshot.empty() ? instanceVolume(project, name.instance)
                                                      : snapshotVolume(project, name.instance, name.snapshot);
    const VolumeStep copyVolume = [&](plugins::StoragePool& pool) {
        const auto target = instanceVolume(rec.project, rec.name);
        if (!name.snapshot.empty()) pool.copyVolume(target, sourceVolume, op.abiHandle());
        else whileFrozen(parent, [&] { pool.copyVolume(target, sourceVolume, op.abiHandle()); });
    };
    VolumeStep copySnapshotVolumes;
    if (name.snapshot.empty() && !instanceOnly)
        copySnapshotVolumes = [&](plugins::StoragePool& pool) { copySnapshots(parent, rec, pool, op); };
    provision(rec, copyVolume, copySnapshotVolumes, "copy", op);
}

void InstanceService::copySnapshots(const db::InstanceRecord& from, const db::InstanceRecord& to,
                                    plugins::StoragePool& pool, ops::Operation& op) {
    for (auto snap : snapshots(from.project, from.name)) {
        // Each snapshot is recorded as soon as its volume exists, so a failure later finds
        // every volume made through the records.
        const auto target = snapshotVolume(to.project, to.name, snap.name);
        pool.copyVolume(target, snapshotVolume(from.project, from.name, snap.name), op.abiHandle());
        snap.project = to.project;
        snap.instance = to.name;
        try {
            db::createInstanceSnapshot(db_, snap);
        } catch (...) {
            try { pool.deleteVolume(target, nullptr); } catch (...) {}
            throw;
        }
    }
}

}  // namespace lxdp::services
