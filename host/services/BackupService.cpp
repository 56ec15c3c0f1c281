#include "services/BackupService.h"

#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>

#include <lxdp/storage.h>

#include "config/Devices.h"
#include "config/InstanceConfig.h"
#include "config/Names.h"
#include "config/Validators.h"
#include "daemon/Paths.h"
#include "db/Database.h"
#include "db/PendingChanges.h"
#include "db/SnapshotQueries.h"
#include "events/EventHub.h"
#include "images/ArchiveReader.h"
#include "images/ArchiveWriter.h"
#include "images/ImageArchive.h"
#include "images/MemberPath.h"
#include "ops/Operation.h"
#include "plugins/StorageDriver.h"
#include "services/BackupFile.h"
#include "services/InstanceService.h"
#include "services/OptimizedBackup.h"
#include "services/ProjectFeatures.h"
#include "services/StorageService.h"
#include "util/ApiError.h"
#include "util/FaultPoint.h"
#include "util/SafeYaml.h"
#include "util/Time.h"
#include "util/YamlEmit.h"

namespace lxdp::services {

namespace {

constexpr size_t kMaxIndexBytes = 4 * 1024 * 1024;

std::string backupUrl(const std::string& instance, const std::string& name) {
    return "/1.0/instances/" + instance + "/backups/" + name;
}

void checkBackupName(const std::string& name) {
    if (name.empty()) throw BadRequest("Backup name cannot be empty");
    if (name.find('/') != std::string::npos) throw BadRequest("Backup names may not contain slashes");
    if (name == "." || name == "..") throw BadRequest("Invalid backup name \"" + name + "\"");
}

void makeDir(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) throw InternalError("Failed to create " + path);
}

plugins::VolumeRef volumeRef(const std::string& project, const std::string& name) {
    plugins::VolumeRef v;
    v.type = LXDP_VOLUME_CONTAINER;
    v.project = project;
    v.name = name;
    return v;
}

// backup/index.yaml, else (tarballs of LXD before 4.x kept no config there) the config in
// backup/container/backup.yaml, as JSON with string scalars.
nlohmann::json readIndex(const std::string& tarballPath) {
    images::ArchiveReader reader(tarballPath);
    nlohmann::json index, fallback;
    while (archive_entry* entry = reader.next()) {
        const char* raw = archive_entry_pathname(entry);
        const std::string name = images::memberPath(raw ? raw : "");
        if (name != "backup/index.yaml" && name != "backup/container/backup.yaml") continue;
        if (archive_entry_filetype(entry) != AE_IFREG) throw BadRequest("Backup member \"" + name + "\" is not a file");
        auto doc = util::yamlToJson(util::loadYamlSafely(reader.readData(name, kMaxIndexBytes), name, 32, kMaxIndexBytes));
        (name == "backup/index.yaml" ? index : fallback) = doc;
    }
    if (!index.is_object()) throw BadRequest("Backup file is missing backup/index.yaml");
    if (!index.contains("config") || !index["config"].is_object()) {
        if (!fallback.is_object()) throw BadRequest("Backup file lacks the instance configuration (backup.yaml)");
        index["config"] = fallback;
    }
    if (!index["config"].contains("container") || !index["config"]["container"].is_object())
        throw BadRequest("Backup file lacks the instance definition");
    return index;
}

// The snapshot names backup/index.yaml lists (their data is under backup/snapshots/<name>/).
std::vector<std::string> indexSnapshotNames(const nlohmann::json& index) {
    std::vector<std::string> names;
    if (!index.contains("snapshots") || index["snapshots"].is_null()) return names;
    if (!index["snapshots"].is_array()) throw BadRequest("Invalid snapshot list in backup/index.yaml");
    for (const auto& name : index["snapshots"]) {
        if (!name.is_string()) throw BadRequest("Invalid snapshot name in backup/index.yaml");
        names.push_back(name.get<std::string>());
    }
    return names;
}

// Removes what a directory holds, never following a symlink, so that the next data of an
// import can be unpacked into the same volume.
void emptyDirectory(const std::string& path) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        std::filesystem::remove_all(entry.path(), ec);
        if (ec) throw InternalError("Failed to clear " + entry.path().string() + ": " + ec.message());
    }
    if (ec) throw InternalError("Failed to clear " + path + ": " + ec.message());
}

}  // namespace

std::vector<db::BackupRecord> BackupService::list(const std::string& project, const std::string& instance) {
    instances_.get(project, instance);
    return db::backups(db_, project, instance);
}

db::BackupRecord BackupService::get(const std::string& project, const std::string& instance, const std::string& name) {
    instances_.get(project, instance);
    auto b = db::backup(db_, project, instance, name);
    if (!b) throw NotFound("Instance backup not found");
    return *b;
}

nlohmann::json BackupService::render(const db::BackupRecord& b) {
    return {{"name", b.name},
            {"created_at", b.createdAt},
            {"expires_at", b.expiresAt.empty() ? util::kZeroTime : b.expiresAt},
            {"instance_only", b.instanceOnly},
            {"container_only", b.instanceOnly},
            {"optimized_storage", b.optimizedStorage}};
}

std::string BackupService::tarballPath(const db::BackupRecord& b) const {
    return backupsDir(paths_, b.project, b.instance) + "/" + b.name;
}

BackupRequest BackupService::prepare(const std::string& project, const std::string& instance, const nlohmann::json& body) {
    instances_.get(project, instance);
    policy_.checkFeature(project, "restricted.backups", "backup creation");
    BackupRequest req;
    req.name = body.value("name", "");
    if (req.name.empty())
        for (int n = 0; req.name.empty(); ++n)
            if (!db::backup(db_, project, instance, "backup" + std::to_string(n))) req.name = "backup" + std::to_string(n);
    checkBackupName(req.name);
    if (db::backup(db_, project, instance, req.name)) throw Conflict("Backup \"" + req.name + "\" already exists");
    req.expiresAt = body.value("expires_at", "");
    req.instanceOnly = body.value("instance_only", body.value("container_only", false));
    req.compression = body.value("compression_algorithm", "");
    if (req.compression.empty()) {
        auto server = db_.serverConfig();
        auto it = server.find("backups.compression_algorithm");
        req.compression = it != server.end() && !it->second.empty() ? it->second : "gzip";
    }
    config::checkValue("compression_algorithm", req.compression, config::isCompressionAlgorithm);
    if (!images::isWritableCompression(req.compression))
        throw BadRequest("Compression algorithm \"" + req.compression + "\" is not supported for backups");
    // optimized_storage: the driver's own streams where it has them (btrfs); a driver without
    // any (dir) makes a plain tarball, as upstream's does.
    req.optimized = body.value("optimized_storage", false);
    return req;
}

void BackupService::create(const std::string& project, const std::string& instance, const BackupRequest& req,
                           ops::Operation& op) {
    auto guard = instances_.lock(project, instance);
    std::lock_guard held(*guard);
    auto rec = instances_.get(project, instance);
    if (db::backup(db_, project, instance, req.name)) throw Conflict("Backup \"" + req.name + "\" already exists");
    const std::string volumePath = instances_.ref(rec).volumePath;
    writeBackupYaml(instances_, storage_, db_, rec, volumePath);
    auto config = backupConfig(instances_, storage_, db_, rec);
    const std::string pool = config["pool"].value("name", "");
    // As upstream: the snapshots' data under backup/snapshots/<name>/, their names in the
    // index, and an instance_only backup without either.
    std::vector<db::InstanceSnapshotRecord> snapshots;
    if (req.instanceOnly) {
        config["snapshots"] = nlohmann::json::array();
        config["volume_snapshots"] = nlohmann::json::array();
    } else {
        snapshots = instances_.snapshots(project, instance);
    }
    auto snapshotNames = nlohmann::json::array();
    std::vector<std::string> names;
    for (const auto& snap : snapshots) {
        snapshotNames.push_back(snap.name);
        names.push_back(snap.name);
    }

    makeDir(paths_.varDir + "/backups");
    makeDir(paths_.varDir + "/backups/instances");
    makeDir(backupsDir(paths_, project, instance));
    // The streams are made before the tarball: a volume the driver cannot stream (nested
    // subvolumes) makes a plain one instead.
    auto& storagePool = storage_.pool(pool);
    std::optional<StreamFiles> streams;
    if (req.optimized && storagePool.streamsVolumes()) {
        streams.emplace(paths_.varDir + "/backups");
        if (!sendOptimizedStreams(storagePool, volumeRef(rec.project, rec.name), names, *streams, op)) streams.reset();
    }
    const bool optimized = streams.has_value();
    nlohmann::json index = {{"name", rec.name},
                            {"backend", config["pool"].value("driver", "dir")},
                            {"pool", pool},
                            {"snapshots", snapshotNames},
                            {"optimized", optimized},
                            {"optimized_header", optimized},
                            {"type", "container"},
                            {"config", config}};
    db::BackupRecord b{project, instance, req.name, util::nowRfc3339(), req.expiresAt, req.instanceOnly, optimized,
                       req.compression};
    const std::string path = tarballPath(b);
    {
        images::ArchiveWriter writer(path, req.compression);
        auto cancelled = [&] { return op.cancelled(); };
        writer.addFile("backup/index.yaml", util::jsonToYaml(index), 0600);
        if (optimized) {
            addOptimizedMembers(writer, names, *streams);
        } else {
            for (const auto& snap : snapshots)
                writer.addTree(instances_.snapshotPath(rec, snap.name), "backup/snapshots/" + snap.name, nullptr,
                               cancelled);
            writer.addTree(volumePath, "backup/container", nullptr, cancelled);
        }
        writer.finish();
    }
    try {
        db::createBackup(db_, b);
    } catch (...) {
        ::unlink(path.c_str());
        throw;
    }
    events_.lifecycle(project, "instance-backup-created", backupUrl(instance, req.name));
}

void BackupService::rename(const std::string& project, const std::string& instance, const std::string& from,
                           const std::string& to) {
    auto b = get(project, instance, from);
    checkBackupName(to);
    if (db::backup(db_, project, instance, to)) throw Conflict("Backup \"" + to + "\" already exists");
    auto renamed = b;
    renamed.name = to;
    if (std::rename(tarballPath(b).c_str(), tarballPath(renamed).c_str()) != 0)
        throw InternalError("Failed to rename the backup tarball");
    db::renameBackup(db_, project, instance, from, to);
    events_.lifecycle(project, "instance-backup-renamed", backupUrl(instance, to), {{"old_name", from}});
}

void BackupService::remove(const std::string& project, const std::string& instance, const std::string& name) {
    auto b = get(project, instance, name);
    ::unlink(tarballPath(b).c_str());
    db::deleteBackup(db_, project, instance, name);
    events_.lifecycle(project, "instance-backup-deleted", backupUrl(instance, name));
}

// ---- import --------------------------------------------------------------------------------

void BackupService::placeRootDisk(db::InstanceRecord& rec, const std::string& poolName) {
    // A local root device is pointed at the pool, an inherited one from another pool is
    // overridden locally, as upstream does for X-LXD-pool.
    if (auto root = config::findRootDisk(rec.devices)) {
        rec.devices[root->first]["pool"] = poolName;
    } else if (auto inherited = config::findRootDisk(instances_.expand(rec).devices);
               !inherited || inherited->second["pool"] != poolName) {
        auto device = inherited ? inherited->second : db::StringMap{{"type", "disk"}, {"path", "/"}};
        device["pool"] = poolName;
        rec.devices[inherited ? inherited->first : "root"] = device;
    }
}

std::string BackupService::import(const ImportTarget& target, const std::string& tarballPath, ops::Operation& op) {
    const auto index = readIndex(tarballPath);
    const std::string name = target.name.empty() ? backupText(index, "name") : target.name;
    config::checkInstanceName(name);
    const std::string poolName = target.pool.empty() ? backupText(index, "pool") : target.pool;
    if (!db_.pool(poolName)) throw NotFound("Storage pool \"" + poolName + "\" not found");
    // A driver's own streams (btrfs send) in place of the trees: only a pool of that driver takes them.
    const bool optimized = backupText(index, "optimized") == "true";
    if (optimized) checkOptimizedImport(index, tarballPath, poolName, storage_.pool(poolName));
    auto rec = instanceFromBackup(index["config"]["container"], target.project, name);
    placeRootDisk(rec, poolName);
    config::validateInstanceConfig(rec.config, false);
    config::validateDevices(rec.devices, false);
    auto snapshots = snapshotsFromBackup(index["config"], indexSnapshotNames(index), rec);
    for (auto& snap : snapshots) {
        auto asInstance = InstanceService::asInstance(rec, snap);
        placeRootDisk(asInstance, poolName);
        snap.devices = asInstance.devices;
        config::validateInstanceConfig(snap.config, false);
        config::validateDevices(snap.devices, false);
    }
    for (const auto& p : rec.profiles)
        if (!db_.profile(profileProject(db_, rec.project), p)) throw BadRequest("Requested profile \"" + p + "\" doesn't exist");
    instances_.driver(rec);

    auto guard = instances_.lock(rec.project, rec.name);
    std::lock_guard held(*guard);
    db_.transaction([&] {
        if (db_.instance(rec.project, rec.name)) throw Conflict("Instance \"" + rec.name + "\" already exists");
        // What the tarball says passes the target project's restrictions and limits first.
        policy_.checkProjectRoom(rec);
        // So does what each snapshot would bring back on a restore (battery I-8).
        for (const auto& snap : snapshots) policy_.checkProjectRoom(InstanceService::asInstance(rec, snap));
        db_.createInstance(rec);
        db_.createVolume(db::VolumeRecord{poolName, rec.project, LXDP_VOLUME_CONTAINER, rec.name, 0, "", {}, rec.createdAt});
        db::recordPendingChange(db_, {db::kPendingCreate, rec.project, rec.name, poolName, "", rec.createdAt});
    });
    util::faultPoint("backup-import-after-record");

    auto& pool = storage_.pool(poolName);
    // As upstream's unpack of a non-optimized backup: each snapshot's data is unpacked into the
    // new volume and snapshotted there, oldest first, then the instance's own data replaces it.
    std::vector<std::string> members;
    for (const auto& snap : snapshots) members.push_back("backup/snapshots/" + snap.name);
    members.push_back("backup/container");
    auto unpack = [&](const std::string& member, const std::string& mountPath) {
        images::unpackSubtree(
            tarballPath, member, mountPath,
            [&](uint64_t done, uint64_t total) {
                lxdp_progress p{sizeof(lxdp_progress), total ? static_cast<int32_t>(done * 100 / total) : -1,
                                "restore_backup_unpack", done, total};
                op.progress(p);
            },
            [&] { return op.cancelled(); });
        struct stat st {};
        if (::lstat((mountPath + "/rootfs").c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            throw BadRequest("Backup file holds no " + member + "/rootfs directory");
    };
    bool volumeMade = false;
    try {
        std::vector<std::string> names;
        for (const auto& snap : snapshots) names.push_back(snap.name);
        std::function<void(const std::string&)> filler = [&](const std::string& mountPath) {
            unpack(members.front(), mountPath);
        };
        if (optimized)
            receiveOptimizedStreams(tarballPath, pool, volumeRef(rec.project, rec.name), names,
                                    paths_.varDir + "/backups", op);
        else
            pool.createVolume(volumeRef(rec.project, rec.name), &filler, op.abiHandle());
        volumeMade = true;
        for (size_t i = 0; !optimized && i < snapshots.size(); ++i) {
            pool.snapshotVolume(volumeRef(rec.project, rec.name + "/" + snapshots[i].name), op.abiHandle());
            const std::string mountPath = pool.mountVolume(volumeRef(rec.project, rec.name));
            emptyDirectory(mountPath);
            unpack(members[i + 1], mountPath);
        }
        util::faultPoint("backup-import-after-volume");

        // The driver re-owns the tree from the map recorded in volatile.last_state.idmap.
        auto keys = instances_.driver(rec).create(instances_.ref(rec), op.abiHandle());
        db_.transaction([&] {
            auto stored = instances_.get(rec.project, rec.name);
            for (const auto& [k, v] : keys) {
                if (v.empty()) stored.config.erase(k);
                else stored.config[k] = v;
            }
            db_.updateInstance(stored);
            for (const auto& snap : snapshots) db::createInstanceSnapshot(db_, snap);
        });
        rec = instances_.get(rec.project, rec.name);
        const std::string volumePath = instances_.ref(rec).volumePath;
        const std::string link = paths_.containers + "/" + (rec.project == "default" ? rec.name : rec.project + "_" + rec.name);
        ::unlink(link.c_str());
        if (::symlink(volumePath.c_str(), link.c_str()) != 0)
            throw InternalError("Failed to link " + link + " to the instance volume");
        writeBackupYaml(instances_, storage_, db_, rec, volumePath);
        util::faultPoint("backup-import-before-commit");
        db::clearPendingChange(db_, db::kPendingCreate, rec.project, rec.name);
    } catch (...) {
        instances_.discardCreated(rec, poolName, volumeMade);
        throw;
    }
    events_.lifecycle(rec.project, "instance-created", "/1.0/instances/" + rec.name);
    return rec.name;
}

}  // namespace lxdp::services
