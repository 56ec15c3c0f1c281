#include "services/RecoveryService.h"

#include <Poco/Logger.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include <lxdp/storage.h>

#include "config/Devices.h"
#include "config/InstanceConfig.h"
#include "config/Names.h"
#include "config/PoolConfig.h"
#include "db/Database.h"
#include "db/NetworkQueries.h"
#include "db/SnapshotQueries.h"
#include "db/VolumeQueries.h"
#include "events/EventHub.h"
#include "plugins/PluginRegistry.h"
#include "plugins/StorageDriver.h"
#include "services/BackupFile.h"
#include "services/InstanceService.h"
#include "services/ProjectFeatures.h"
#include "services/StorageService.h"
#include "util/ApiError.h"
#include "util/SafeYaml.h"
#include "util/Time.h"

namespace lxdp::services {

// A pool being scanned: one of the database, or an unknown one opened for the scan.
struct ScannedPool {
    db::PoolRecord record;
    bool known = false;                             // it has a record
    plugins::StoragePool* backend = nullptr;
    std::unique_ptr<plugins::StoragePool> opened;   // opened and mounted by the scan
    nlohmann::json poolFromBackup;                  // the pool as an instance's backup.yaml has it
};

struct FoundInstance {
    std::string pool;
    db::InstanceRecord instance;
    db::VolumeRecord volume;
    std::vector<db::InstanceSnapshotRecord> snapshots;
    size_t snapshotsOnPool = 0;
};

struct FoundVolume {
    db::VolumeRecord volume;
    std::vector<db::VolumeSnapshotRecord> snapshots;
};

struct RecoveryScan {
    std::vector<ScannedPool> pools;
    std::vector<FoundInstance> instances;
    std::vector<FoundVolume> volumes;
    std::vector<std::string> dependencyErrors;

    void missing(const std::string& what) {
        if (std::find(dependencyErrors.begin(), dependencyErrors.end(), what) == dependencyErrors.end())
            dependencyErrors.push_back(what);
    }

    // Pools the scan mounted go back to how they were, unless the import recorded them.
    ~RecoveryScan() {
        for (auto& p : pools) {
            if (!p.opened) continue;
            try {
                p.opened->unmount();
            } catch (const std::exception& e) {
                Poco::Logger::get("recover").warning("cannot unmount pool %s after the scan: %s", p.record.name,
                                                     std::string(e.what()));
            }
        }
    }
};

namespace {

constexpr size_t kMaxBackupYaml = 1024 * 1024;

std::string inQuotes(const std::string& s) { return "\"" + s + "\""; }

// A name from backup.yaml ends up in paths (containers/<name>, snapshot directories): one that
// could leave its directory is refused before anything else is looked at.
void checkNoEscape(const std::string& where, const std::string& what, const std::string& name) {
    if (name == "." || name == ".." || name.find('/') != std::string::npos || name.find('\\') != std::string::npos)
        throw BadRequest(where + ": " + what + " " + inQuotes(name) + ": path escapes");
}

// backup.yaml at the top of the volume, never through a symlink: a link (to anywhere, even
// inside the volume) is refused as an escape, as is anything but a plain file.
std::string readBackupYaml(const std::string& volumePath, const std::string& where) {
    int dir = ::open(volumePath.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) throw InternalError(where + ": cannot open " + volumePath + ": " + std::strerror(errno));
    int fd = ::openat(dir, "backup.yaml", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    const int openErr = errno;
    ::close(dir);
    if (fd < 0) {
        if (openErr == ELOOP) throw BadRequest(where + ": backup.yaml is a symlink: path escapes the volume");
        if (openErr == ENOENT) throw BadRequest(where + ": no backup.yaml to rebuild the instance from");
        throw InternalError(where + ": cannot read backup.yaml: " + std::strerror(openErr));
    }
    struct stat st {};
    std::string text;
    bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= static_cast<off_t>(kMaxBackupYaml);
    if (ok) {
        text.resize(static_cast<size_t>(st.st_size));
        ssize_t n = ::read(fd, text.data(), text.size());
        ok = n == static_cast<ssize_t>(text.size());
    }
    ::close(fd);
    if (!ok) throw BadRequest(where + ": backup.yaml is not a readable file of at most 1 MiB");
    return text;
}

// The pool's name of the root disk in devices, when there is one.
std::optional<std::string> rootPool(const db::DeviceMap& devices) {
    auto root = config::findRootDisk(devices);
    if (!root) return std::nullopt;
    auto it = root->second.find("pool");
    if (it == root->second.end()) return std::nullopt;
    return it->second;
}

}  // namespace

// ---- the scan ------------------------------------------------------------------------------

void RecoveryService::scan(const std::vector<db::PoolRecord>& requested, RecoveryScan& out) {
    if (requested.empty()) throw BadRequest("The request names no pools to scan");
    std::set<std::string> seen;
    for (const auto& p : requested) {
        if (!seen.insert(p.name).second) throw BadRequest("Storage pool " + inQuotes(p.name) + " is listed twice");
        ScannedPool scanned;
        if (auto rec = db_.pool(p.name)) {
            scanned.record = *rec;
            scanned.known = true;
            scanned.backend = &storage_.pool(p.name);
        } else {
            config::checkPoolName(p.name);
            scanned.record = p;
            scanned.record.status = "Created";
            if (p.driver.empty())
                throw BadRequest("Storage pool " + inQuotes(p.name) + " is unknown: give its driver and source to recover it");
            const auto* driver = plugins_.storageDriver(p.driver);
            if (!driver) throw BadRequest("Storage driver " + inQuotes(p.driver) + " is not supported by this server");
            if (!driver->usable())
                throw BadRequest("Storage driver " + inQuotes(p.driver) + " is not usable here: " + driver->probeError());
            config::validateCommonPoolConfig(p.driver, p.config);
            driver->validatePool(p.config);
            if (storage_.isOpen(p.name)) {
                // Its record was deleted while the daemon had it open: scan what is mounted.
                scanned.backend = &storage_.pool(p.name);
            } else {
                scanned.opened = driver->openPool(p.name, p.config);
                try {
                    scanned.opened->mount();
                } catch (const ApiError& e) {
                    throw ApiError(e.status(), "Failed mounting pool " + inQuotes(p.name) + ": " + e.what());
                }
                scanned.backend = scanned.opened.get();
            }
        }
        out.pools.push_back(std::move(scanned));
        scanPool(out, out.pools.size() - 1);
    }

    // The same instance on two pools cannot both become it.
    std::set<std::pair<std::string, std::string>> names;
    for (const auto& f : out.instances)
        if (!names.insert({f.instance.project, f.instance.name}).second)
            throw BadRequest("Instance " + inQuotes(f.instance.name) + " in project " + inQuotes(f.instance.project) +
                             " was found on more than one pool");

    // What the records will refer to must exist: upstream's dependency errors.
    for (const auto& f : out.instances) {
        const std::string& project = f.instance.project;
        if (!db_.project(project)) {
            out.missing("Project " + inQuotes(project));
            continue;
        }
        for (const auto& profile : f.instance.profiles)
            if (!db_.profile(profileProject(db_, project), profile))
                out.missing("Profile " + inQuotes(profile) + " in project " + inQuotes(project));
        for (const auto& [name, device] : f.instance.devices) {
            auto type = device.find("type");
            auto network = device.find("network");
            if (type == device.end() || type->second != "nic" || network == device.end() || network->second.empty())
                continue;
            if (!db::network(db_, project, network->second) && !db::network(db_, "default", network->second))
                out.missing("Network " + inQuotes(network->second) + " in project " + inQuotes(project));
        }
    }
    for (const auto& v : out.volumes)
        if (!db_.project(v.volume.project)) out.missing("Project " + inQuotes(v.volume.project));
}

void RecoveryService::scanPool(RecoveryScan& out, size_t index) {
    ScannedPool& pool = out.pools[index];
    const std::string& poolName = pool.record.name;
    std::vector<plugins::VolumeRef> listed;
    try {
        listed = pool.backend->listVolumes();
    } catch (const ApiError& e) {
        throw ApiError(e.status(), "Failed checking volumes on pool " + inQuotes(poolName) + ": " + e.what());
    }

    // Snapshots ("c1/snap0") by their volume.
    std::map<std::tuple<uint32_t, std::string, std::string>, std::vector<std::string>> snapshotsOf;
    for (const auto& v : listed) {
        auto slash = v.name.find('/');
        if (slash != std::string::npos)
            snapshotsOf[{v.type, v.project, v.name.substr(0, slash)}].push_back(v.name.substr(slash + 1));
    }

    for (const auto& v : listed) {
        if (v.name.find('/') != std::string::npos) continue;
        const auto& snaps = snapshotsOf[{v.type, v.project, v.name}];
        const std::string where = "Volume " + inQuotes(v.name) + " on pool " + inQuotes(poolName);
        checkNoEscape(where, "volume name", v.name);
        checkNoEscape(where, "project", v.project);
        for (const auto& s : snaps) checkNoEscape(where, "snapshot", s);

        if (v.type == LXDP_VOLUME_CUSTOM) {
            if (db::poolVolume(db_, poolName, v.project, LXDP_VOLUME_CUSTOM, v.name)) continue;
            config::checkVolumeName(v.name);
            FoundVolume found;
            const std::string now = util::nowRfc3339();
            found.volume = db::VolumeRecord{poolName, v.project, LXDP_VOLUME_CUSTOM, v.name,
                                            static_cast<int>(v.content), "", {}, now};
            for (const auto& s : snaps) {
                config::checkSnapshotName(s);
                found.snapshots.push_back(db::VolumeSnapshotRecord{poolName, v.project, LXDP_VOLUME_CUSTOM, v.name, s,
                                                                   "", {}, now, ""});
            }
            out.volumes.push_back(std::move(found));
            continue;
        }
        if (v.type != LXDP_VOLUME_CONTAINER) {
            // Images come back from the image store; virtual machines are not supported here.
            if (v.type == LXDP_VOLUME_VM)
                Poco::Logger::get("recover").warning("%s is a virtual machine: not recovered", where);
            continue;
        }
        if (db_.volume(v.project, LXDP_VOLUME_CONTAINER, v.name) || db_.instance(v.project, v.name)) continue;

        const std::string instanceWhere = "Instance volume " + inQuotes(v.name) + " on pool " + inQuotes(poolName);
        config::checkInstanceName(v.name);
        plugins::VolumeRef ref;
        ref.type = LXDP_VOLUME_CONTAINER;
        ref.project = v.project;
        ref.name = v.name;
        const std::string path = pool.backend->mountVolume(ref);
        const auto backup = util::yamlToJson(
            util::loadYamlSafely(readBackupYaml(path, instanceWhere), instanceWhere + ": backup.yaml", 32, kMaxBackupYaml));
        if (!backup.is_object() || !backup.contains("container") || !backup["container"].is_object())
            throw BadRequest(instanceWhere + ": backup.yaml lacks the instance definition");

        // Every name the file gives is checked against escapes first, then against the volume.
        const std::string named = backupText(backup["container"], "name");
        checkNoEscape(instanceWhere, "backup.yaml names instance", named);
        if (named != v.name)
            throw BadRequest(instanceWhere + ": backup.yaml describes instance " + inQuotes(named) + ", not " + inQuotes(v.name));
        if (backup.contains("volume") && backup["volume"].is_object())
            checkNoEscape(instanceWhere, "backup.yaml names volume", backupText(backup["volume"], "name"));
        std::vector<std::string> described;  // the snapshots backup.yaml has entries for
        if (backup.contains("snapshots") && backup["snapshots"].is_array())
            for (const auto& s : backup["snapshots"]) {
                if (!s.is_object()) throw BadRequest(instanceWhere + ": backup.yaml has an invalid snapshot entry");
                std::string snap = backupText(s, "name");
                if (snap.rfind(v.name + "/", 0) == 0) snap = snap.substr(v.name.size() + 1);
                checkNoEscape(instanceWhere, "backup.yaml names snapshot", snap);
                described.push_back(snap);
            }

        FoundInstance found;
        found.pool = poolName;
        found.instance = instanceFromBackup(backup["container"], v.project, v.name);
        try {
            config::validateInstanceConfig(found.instance.config, false);
            config::validateDevices(found.instance.devices, false);
        } catch (const ApiError& e) {
            throw BadRequest(instanceWhere + ": backup.yaml: " + e.what());
        }
        // The root disk must be on this pool (a pool recovered under another name would leave
        // the instance pointing at nothing).
        db::DeviceMap expanded = found.instance.devices;
        if (backup["container"].contains("expanded_devices") && backup["container"]["expanded_devices"].is_object())
            for (auto it = backup["container"]["expanded_devices"].begin(); it != backup["container"]["expanded_devices"].end(); ++it)
                expanded.try_emplace(it.key(), backupMap(it.value()));
        if (auto root = rootPool(expanded); root && *root != poolName)
            throw BadRequest(instanceWhere + ": its root disk is on pool " + inQuotes(*root) + " according to backup.yaml");

        // Snapshots: those backup.yaml describes must be on the pool; those only on the pool
        // (taken after backup.yaml was last written) get the instance's own config.
        for (const auto& s : described)
            if (std::find(snaps.begin(), snaps.end(), s) == snaps.end())
                throw BadRequest(instanceWhere + ": snapshot " + inQuotes(s) + " of backup.yaml is missing on the pool");
        found.snapshots = snapshotsFromBackup(backup, snaps, found.instance);
        found.snapshotsOnPool = snaps.size();

        const auto volume = backup.contains("volume") && backup["volume"].is_object() ? backup["volume"] : nlohmann::json::object();
        found.volume = db::VolumeRecord{poolName, v.project, LXDP_VOLUME_CONTAINER, v.name, 0,
                                        backupText(volume, "description"),
                                        backupMap(volume.value("config", nlohmann::json())),
                                        backupText(volume, "created_at")};
        if (found.volume.createdAt.empty()) found.volume.createdAt = found.instance.createdAt;
        if (pool.poolFromBackup.is_null() && backup.contains("pool") && backup["pool"].is_object())
            pool.poolFromBackup = backup["pool"];
        out.instances.push_back(std::move(found));
    }
}

// ---- validate and import --------------------------------------------------------------------

nlohmann::json RecoveryService::validate(const std::vector<db::PoolRecord>& pools) {
    RecoveryScan found;
    scan(pools, found);
    nlohmann::json unknown = nlohmann::json::array();
    for (const auto& f : found.instances)
        unknown.push_back({{"name", f.instance.name},
                           {"type", "container"},
                           {"snapshotCount", f.snapshotsOnPool},
                           {"project", f.instance.project},
                           {"pool", f.pool}});
    for (const auto& v : found.volumes)
        unknown.push_back({{"name", v.volume.name},
                           {"type", "volume"},
                           {"snapshotCount", v.snapshots.size()},
                           {"project", v.volume.project},
                           {"pool", v.volume.pool}});
    return {{"UnknownVolumes", unknown}, {"DependencyErrors", found.dependencyErrors}};
}

void RecoveryService::import(const std::vector<db::PoolRecord>& pools) {
    RecoveryScan found;
    scan(pools, found);
    if (!found.dependencyErrors.empty()) {
        std::string list;
        for (const auto& e : found.dependencyErrors) list += (list.empty() ? "" : ", ") + e;
        throw BadRequest("Failed dependency check, missing: " + list);
    }

    // Each instance is locked while its records appear, as a create would lock it.
    std::vector<std::unique_lock<std::mutex>> held;
    std::vector<std::shared_ptr<std::mutex>> locks;
    for (const auto& f : found.instances) {
        locks.push_back(instances_.lock(f.instance.project, f.instance.name));
        held.emplace_back(*locks.back());
    }

    db_.transaction([&] {
        for (auto& p : found.pools) {
            if (p.known) continue;
            // An instance's backup.yaml holds the pool's whole config (source, size and the
            // rest); what the user typed is the fallback, as upstream prefers it.
            db::PoolRecord rec = p.record;
            const auto& described = p.poolFromBackup;
            if (described.is_object() && backupText(described, "driver") == rec.driver) {
                rec.config = backupMap(described.value("config", nlohmann::json()));
                rec.description = backupText(described, "description");
            }
            db_.createPool(rec);
        }
        for (const auto& v : found.volumes) {
            db_.createVolume(v.volume);
            for (const auto& s : v.snapshots) db::createVolumeSnapshot(db_, s);
        }
        for (const auto& f : found.instances) {
            if (db_.instance(f.instance.project, f.instance.name))
                throw Conflict("Instance " + inQuotes(f.instance.name) + " in project " + inQuotes(f.instance.project) +
                               " already exists");
            db_.createInstance(f.instance);
            db_.createVolume(f.volume);
            for (const auto& s : f.snapshots) db::createInstanceSnapshot(db_, s);
        }
    });

    for (auto& p : found.pools) {
        if (p.known) continue;
        if (p.opened) storage_.adopt(p.record.name, std::move(p.opened));
        events_.lifecycle("default", "storage-pool-created", "/1.0/storage-pools/" + p.record.name);
    }
    for (const auto& v : found.volumes)
        events_.lifecycle(v.volume.project, "storage-volume-created",
                          "/1.0/storage-pools/" + v.volume.pool + "/volumes/custom/" + v.volume.name);
    held.clear();
    for (const auto& f : found.instances) instances_.finishRecovered(f.instance.project, f.instance.name);
}

}  // namespace lxdp::services
