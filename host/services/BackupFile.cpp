#include "services/BackupFile.h"

#include <Poco/Logger.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <lxdp/storage.h>

#include "daemon/Paths.h"
#include "db/BackupQueries.h"
#include "db/Database.h"
#include "services/InstanceService.h"
#include "services/StorageService.h"
#include "util/ApiError.h"
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
    return {{"container", instances.render(rec, 1)},
            {"snapshots", nlohmann::json::array()},
            {"pool", storage.render(*pool)},
            {"volume", volume}};
}

void writeBackupYaml(InstanceService& instances, StorageService& storage, db::Database& db,
                     const db::InstanceRecord& rec, const std::string& volumePath) {
    try {
        const std::string text = util::jsonToYaml(backupConfig(instances, storage, db, rec));
        int dir = ::open(volumePath.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0) throw InternalError(std::strerror(errno));
        // A temporary file renamed over the old one: a crash leaves the old or the new file, and
        // a backup.yaml symlink from an imported tarball is replaced, never written through.
        int fd = ::openat(dir, ".backup.yaml.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
        if (fd >= 0) ::close(fd);
        ok = ok && ::renameat(dir, ".backup.yaml.tmp", dir, "backup.yaml") == 0;
        int err = errno;
        if (!ok) ::unlinkat(dir, ".backup.yaml.tmp", 0);
        ::close(dir);
        if (!ok) throw InternalError(std::strerror(err));
    } catch (const std::exception& e) {
        Poco::Logger::get("backups").warning("cannot write backup.yaml of %s: %s", rec.name, std::string(e.what()));
    }
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
