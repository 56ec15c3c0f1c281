#include "services/BackupFile.h"

#include <Poco/Logger.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include <lxdp/storage.h>

#include "daemon/Paths.h"
#include "db/BackupQueries.h"
#include "db/Database.h"
#include "services/InstanceService.h"
#include "services/ProjectFeatures.h"
#include "services/StorageService.h"
#include "config/Names.h"
#include "util/ApiError.h"
#include "util/Time.h"
#include "util/ConfinedFile.h"
#include "util/YamlEmit.h"

namespace lxdp::services {

nlohmann::json backupConfig(InstanceService& instances, StorageService& storage, db::Database& db,
                            const db::InstanceRecord& rec) {
    auto vol = db.volume(rec.project, LXDP_VOLUME_CONTAINER, rec.name);
    if (!vol) throw NotFound("Instance \"" + rec.name + "\" has no volume");
    auto pool = db.pool(vol->pool);
    if (!pool) throw NotFound("Storage pool \"" + vol->pool + "\" not found");
    nlohmann::json volume = {{"name", rec.name},
                             {"description", vol->description},
                             {"type", "container"},
                             {"config", vol->config},
                             {"used_by", nlohmann::json::array()},
                             {"location", "none"},
                             {"content_type", "filesystem"},
                             {"project", rec.project},
                             {"created_at", vol->createdAt}};
    // Each snapshot twice, as upstream: as an instance (its config, devices, profiles) and as
    // a volume snapshot. Upstream's import makes the snapshot records from these entries.
    auto snapshots = nlohmann::json::array(), volumeSnapshots = nlohmann::json::array();
    for (const auto& snap : instances.snapshots(rec.project, rec.name)) {
        snapshots.push_back(instances.renderSnapshot(rec, snap, false));
        volumeSnapshots.push_back({{"name", snap.name},
                                   {"description", ""},
                                   {"config", vol->config},
                                   {"content_type", "filesystem"},
                                   {"created_at", snap.createdAt},
                                   {"expires_at", snap.expiresAt.empty() ? util::kZeroTime : snap.expiresAt}});
    }
    // The instance's profiles as they are now, which upstream writes for its recovery.
    auto profiles = nlohmann::json::array();
    for (const auto& name : rec.profiles)
        if (auto p = db.profile(profileProject(db, rec.project), name))
            profiles.push_back({{"name", p->name},
                                {"description", p->description},
                                {"config", p->config},
                                {"devices", p->devices},
                                {"used_by", nlohmann::json::array()}});
    return {{"container", instances.render(rec, 1)},
            {"snapshots", snapshots},
            {"profiles", profiles},
            {"pool", storage.render(*pool)},
            {"volume", volume},
            {"volume_snapshots", volumeSnapshots}};
}

void writeBackupYaml(InstanceService& instances, StorageService& storage, db::Database& db,
                     const db::InstanceRecord& rec, const std::string& volumePath) {
    try {
        // Replaced, never written through: a backup.yaml symlink from an imported tarball stays
        // out of the way.
        util::replaceFileInRoot(volumePath, ".", "backup.yaml",
                                util::jsonToYaml(backupConfig(instances, storage, db, rec)), 0600);
    } catch (const std::exception& e) {
        Poco::Logger::get("backups").warning("cannot write backup.yaml of %s: %s", rec.name, std::string(e.what()));
    }
}

namespace {

std::vector<std::string> backupList(const nlohmann::json& j) {
    std::vector<std::string> out;
    if (j.is_null()) return out;
    if (!j.is_array()) throw BadRequest("Invalid profile list in the backup config");
    for (const auto& p : j) {
        if (!p.is_string()) throw BadRequest("Invalid profile list in the backup config");
        out.push_back(p.get<std::string>());
    }
    return out;
}

nlohmann::json member(const nlohmann::json& j, const char* key) { return j.contains(key) ? j[key] : nlohmann::json(); }

}  // namespace

db::StringMap backupMap(const nlohmann::json& j) {
    db::StringMap out;
    if (j.is_null()) return out;
    if (!j.is_object()) throw BadRequest("Invalid map in the backup config");
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!it.value().is_string()) throw BadRequest("Invalid value of \"" + it.key() + "\" in the backup config");
        out[it.key()] = it.value().get<std::string>();
    }
    return out;
}

db::DeviceMap backupDevices(const nlohmann::json& j) {
    db::DeviceMap out;
    if (j.is_null()) return out;
    if (!j.is_object()) throw BadRequest("Invalid devices in the backup config");
    for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = backupMap(it.value());
    return out;
}

std::string backupText(const nlohmann::json& j, const char* key) {
    if (!j.is_object() || !j.contains(key) || j[key].is_null()) return "";
    if (!j[key].is_string()) throw BadRequest(std::string("Invalid \"") + key + "\" in the backup config");
    return j[key].get<std::string>();
}

std::string backupSnapshotName(const nlohmann::json& entry) {
    // Upstream names a snapshot entry by the snapshot alone; LXD 3 wrote "c1/snap0".
    std::string name = backupText(entry, "name");
    if (auto slash = name.find('/'); slash != std::string::npos) name.erase(0, slash + 1);
    return name;
}

db::InstanceRecord instanceFromBackup(const nlohmann::json& container, const std::string& project,
                                      const std::string& name) {
    if (!container.is_object()) throw BadRequest("Backup config lacks the instance definition");
    db::InstanceRecord rec;
    rec.project = project;
    rec.name = name;
    const std::string type = backupText(container, "type");
    if (!type.empty() && type != "container") throw BadRequest("Only container backups are supported");
    rec.architecture = backupText(container, "architecture");
    rec.config = backupMap(member(container, "config"));
    rec.devices = backupDevices(member(container, "devices"));
    rec.profiles = backupList(member(container, "profiles"));
    rec.ephemeral = backupText(container, "ephemeral") == "true";
    rec.stateful = backupText(container, "stateful") == "true";
    rec.description = backupText(container, "description");
    rec.createdAt = backupText(container, "created_at");
    if (rec.createdAt.empty()) rec.createdAt = util::nowRfc3339();
    rec.lastUsedAt = util::kZeroTime;
    return rec;
}

std::vector<db::InstanceSnapshotRecord> snapshotsFromBackup(const nlohmann::json& config,
                                                            const std::vector<std::string>& names,
                                                            const db::InstanceRecord& parent) {
    const auto entries = member(config, "snapshots");
    if (!entries.is_null() && !entries.is_array()) throw BadRequest("Invalid snapshot list in the backup config");
    std::vector<db::InstanceSnapshotRecord> out;
    std::set<std::string> seen;
    for (const auto& name : names) {
        config::checkSnapshotName(name);
        if (!seen.insert(name).second) throw BadRequest("Snapshot \"" + name + "\" is listed twice in the backup");
        db::InstanceSnapshotRecord snap;
        snap.project = parent.project;
        snap.instance = parent.name;
        snap.name = name;
        snap.architecture = parent.architecture;
        snap.createdAt = parent.createdAt;
        snap.config = parent.config;
        snap.devices = parent.devices;
        snap.profiles = parent.profiles;
        for (const auto& e : entries.is_array() ? entries : nlohmann::json::array()) {
            if (!e.is_object()) throw BadRequest("Invalid snapshot entry in the backup config");
            if (backupSnapshotName(e) != name) continue;
            if (auto arch = backupText(e, "architecture"); !arch.empty()) snap.architecture = arch;
            snap.stateful = backupText(e, "stateful") == "true";
            snap.description = backupText(e, "description");
            if (auto created = backupText(e, "created_at"); !created.empty()) snap.createdAt = created;
            snap.expiresAt = backupText(e, "expires_at");
            if (snap.expiresAt == util::kZeroTime) snap.expiresAt.clear();
            snap.config = backupMap(member(e, "config"));
            snap.devices = backupDevices(member(e, "devices"));
            snap.profiles = backupList(member(e, "profiles"));
            break;
        }
        out.push_back(std::move(snap));
    }
    return out;
}

std::string backupsDir(const daemon::Paths& paths, const std::string& project, const std::string& instance) {
    return paths.varDir + "/backups/instances/" + (project == "default" ? instance : project + "_" + instance);
}

void removeBackupsOf(const daemon::Paths& paths, db::Database& db, const std::string& project,
                     const std::string& instance) {
    for (const auto& b : db::backups(db, project, instance)) db::deleteBackup(db, project, instance, b.name);
    std::error_code ec;
    std::filesystem::remove_all(backupsDir(paths, project, instance), ec);
}

}  // namespace lxdp::services
