// InstanceService: instances copied or moved between servers, as upstream's migration (lxc copy
// and lxc move to or from another remote). The source offers a header (rsync, with the
// snapshots and the id map its files are shifted by), sends each snapshot's files then the
// instance's over the fs websocket (a running instance's twice, the second time frozen: live
// migration with CRIU is not offered) and waits for the target's outcome. The target answers the
// header, makes the instance as any new one (provision), receiving each snapshot's files into
// the new volume and snapshotting it, then the instance's files, and tells the outcome; a
// failure there leaves nothing behind, and the source is unchanged either way.
#include <nlohmann/json.hpp>

#include "db/Database.h"
#include "db/SnapshotQueries.h"
#include "ops/Operation.h"
#include "plugins/StorageDriver.h"
#include "services/InstanceService.h"
#include "services/InstanceVolumes.h"
#include "services/MigrationChannel.h"
#include "services/StorageService.h"
#include "util/ApiError.h"
#include "util/Random.h"
#include "util/Time.h"

namespace lxdp::services {

namespace {

// The rsync features this daemon offers and accepts (upstream's for rsync transfers).
const migration::RsyncFeatures kRsyncFeatures{true, true, true, true};

int64_t unixOf(const std::string& rfc3339) { return util::parseRfc3339(rfc3339).value_or(0); }

// Upstream's JSON of an id map (volatile.last_state.idmap) and the header's entries.
std::vector<migration::IdmapEntry> idmapEntries(const std::string& json) {
    std::vector<migration::IdmapEntry> out;
    if (json.empty()) return out;
    const auto parsed = nlohmann::json::parse(json, nullptr, false);
    if (!parsed.is_array()) throw InternalError("volatile.last_state.idmap is not a valid id map");
    for (const auto& e : parsed)
        out.push_back({e.value("Isuid", false), e.value("Isgid", false), e.value("Hostid", 0), e.value("Nsid", 0),
                       e.value("Maprange", 0)});
    return out;
}

std::string idmapJson(const std::vector<migration::IdmapEntry>& entries) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : entries)
        out.push_back({{"Isuid", e.isuid}, {"Isgid", e.isgid}, {"Hostid", e.hostid}, {"Nsid", e.nsid},
                       {"Maprange", e.maprange}});
    return out.dump();
}

migration::Snapshot toMessage(const db::InstanceSnapshotRecord& snap) {
    migration::Snapshot s;
    s.name = snap.name;
    s.config = {snap.config.begin(), snap.config.end()};
    s.profiles = snap.profiles;
    for (const auto& [name, device] : snap.devices) s.devices[name] = {device.begin(), device.end()};
    s.architecture = migration::architectureId(snap.architecture);
    s.stateful = snap.stateful;
    s.creationDate = unixOf(snap.createdAt);
    s.lastUsedDate = s.creationDate;
    s.expiryDate = snap.expiresAt.empty() ? unixOf(util::kZeroTime) : unixOf(snap.expiresAt);
    return s;
}

db::InstanceSnapshotRecord fromMessage(const migration::Snapshot& s, const db::InstanceRecord& parent) {
    db::InstanceSnapshotRecord snap;
    snap.project = parent.project;
    snap.instance = parent.name;
    snap.name = s.name;
    snap.architecture = migration::architectureName(s.architecture);
    if (snap.architecture.empty()) snap.architecture = parent.architecture;
    snap.stateful = false;  // no state is migrated
    snap.createdAt = s.creationDate > 0 ? util::rfc3339FromUnix(s.creationDate) : util::nowRfc3339();
    if (s.expiryDate > 0) snap.expiresAt = util::rfc3339FromUnix(s.expiryDate);
    snap.config = {s.config.begin(), s.config.end()};
    for (const auto& [name, device] : s.devices) snap.devices[name] = {device.begin(), device.end()};
    snap.profiles = s.profiles;
    return snap;
}

}  // namespace

void InstanceService::checkMigrateOut(const std::string& project, const std::string& name, bool live) {
    if (live && isRunning(get(project, name)))
        throw BadRequest("Live migration is not supported: stop the instance, or copy it with --stateless");
}

void InstanceService::migrateOut(const std::string& project, const std::string& name, bool instanceOnly,
                                 MigrationChannel& channel) {
    channel.awaitPeer();
    auto guard = lock(project, name);
    std::lock_guard held(*guard);
    try {
        const auto rec = get(project, name);
        const bool running = isRunning(rec);
        migration::Header offer;
        offer.fs = migration::kRsync;
        // A running instance goes without its state (CRIU type NONE, as upstream's stateless
        // copy): its files twice, the second pass frozen, which the target then expects.
        if (running) offer.criu = migration::kCriuNone;
        const auto idmap = rec.config.find("volatile.last_state.idmap");
        offer.idmap = idmapEntries(idmap == rec.config.end() ? "" : idmap->second);
        const auto snaps = instanceOnly ? std::vector<db::InstanceSnapshotRecord>{} : snapshots(project, name);
        for (const auto& snap : snaps) {
            offer.snapshotNames.push_back(snap.name);
            offer.snapshots.push_back(toMessage(snap));
        }
        offer.predump = false;
        offer.rsyncFeatures = kRsyncFeatures;
        channel.send(offer);

        const auto answer = channel.receiveHeader();
        if (answer.fs != migration::kRsync) throw BadRequest("The target asked for a migration type this server cannot send");
        // A peer without bidirectional rsync is upstream's LXD 3.7 level: its fixed features.
        auto features = answer.rsyncFeatures ? migration::featureNames(*answer.rsyncFeatures) : std::vector<std::string>{};
        if (std::find(features.begin(), features.end(), "bidirectional") == features.end())
            features = {"xattrs", "delete", "compress"};
        std::string bwlimit;
        if (const auto poolRecord = db_.pool(poolOf(rec)))
            if (const auto it = poolRecord->config.find("rsync.bwlimit"); it != poolRecord->config.end()) bwlimit = it->second;

        auto& pool = storage_.pool(poolOf(rec));
        for (const auto& snap : snaps)
            channel.sendTree(pool.mountVolume(snapshotVolume(project, name, snap.name)), features, bwlimit);
        const std::string path = pool.mountVolume(instanceVolume(project, name));
        channel.sendTree(path, features, bwlimit);
        if (running) whileFrozen(rec, [&] { channel.sendTree(path, features, bwlimit); });
    } catch (const std::exception& e) {
        channel.send(migration::Control{false, e.what()});
        throw;
    }
    const auto outcome = channel.receiveControl();
    if (!outcome.success) throw InternalError(outcome.message.empty() ? "The migration target failed" : outcome.message);
}

void InstanceService::createFromMigration(db::InstanceRecord rec, const nlohmann::json& source,
                                          const tls::ServerCertificate& identity, ops::Operation& op) {
    if (source.value("mode", "pull") != "pull") throw BadRequest("Push migration is not supported yet");
    std::map<std::string, std::string> secrets;
    if (const auto it = source.find("secrets"); it != source.end() && it->is_object())
        for (const auto& [k, v] : it->items())
            if (v.is_string()) secrets[k] = v.get<std::string>();
    if (secrets.count("criu")) throw BadRequest("Live migration is not supported");
    auto channel = MigrationChannel::connect(source.value("operation", ""), secrets, source.value("certificate", ""), identity);
    try {
        const auto offer = channel->receiveHeader();
        if (offer.criu && *offer.criu != migration::kCriuNone)
            throw BadRequest("Live migration is not supported");
        // A running source sends its files a second time, frozen (stateless copy).
        const bool finalSync = offer.criu.has_value();
        // Files go by rsync whatever the source's pool, with the features both ends have.
        migration::Header answer;
        answer.fs = migration::kRsync;
        answer.criu = offer.criu;
        answer.snapshotNames = offer.snapshotNames;
        answer.snapshots = offer.snapshots;
        answer.refresh = false;
        answer.predump = false;
        migration::RsyncFeatures agreed;
        if (offer.rsyncFeatures) {
            agreed = {offer.rsyncFeatures->xattrs, offer.rsyncFeatures->del, offer.rsyncFeatures->compress,
                      offer.rsyncFeatures->bidirectional};
            answer.rsyncFeatures = agreed;
        }
        auto features = migration::featureNames(agreed);
        if (!agreed.bidirectional) features = {"xattrs", "delete", "compress"};
        channel->send(answer);

        // A source that named no snapshot records (before LXD 2.x) gets none here either.
        const auto& snaps = offer.snapshots.size() == offer.snapshotNames.size() ? offer.snapshots
                                                                                 : std::vector<migration::Snapshot>{};
        rec.createdAt = util::nowRfc3339();
        rec.lastUsedAt = util::kZeroTime;
        // The files come shifted as the source's: the driver shifts them at creation.
        std::erase_if(rec.config, [](const auto& kv) { return describesVolumeData(kv.first); });
        rec.config["volatile.last_state.idmap"] = idmapJson(offer.idmap);
        if (!rec.config.count("volatile.uuid")) rec.config["volatile.uuid"] = util::randomUuid();

        const VolumeStep makeVolume = [&](plugins::StoragePool& pool) {
            pool.createVolume(instanceVolume(rec.project, rec.name), nullptr, op.abiHandle());
        };
        const VolumeStep receive = [&](plugins::StoragePool& pool) {
            const std::string path = pool.mountVolume(instanceVolume(rec.project, rec.name));
            for (const auto& s : snaps) {
                channel->receiveTree(path, features);
                pool.snapshotVolume(snapshotVolume(rec.project, rec.name, s.name), op.abiHandle());
                auto snap = fromMessage(s, rec);
                pointRootDiskAt(snap.devices, poolOf(rec));
                try {
                    db::createInstanceSnapshot(db_, snap);
                } catch (...) {
                    try { pool.deleteVolume(snapshotVolume(rec.project, rec.name, s.name), nullptr); } catch (...) {}
                    throw;
                }
            }
            channel->receiveTree(path, features);
            if (finalSync) channel->receiveTree(path, features);
        };
        provision(rec, makeVolume, receive, "copy", op);
    } catch (const std::exception& e) {
        channel->send(migration::Control{false, e.what()});
        throw;
    }
    channel->send(migration::Control{true, ""});
}

}  // namespace lxdp::services
