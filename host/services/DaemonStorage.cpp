#include "services/DaemonStorage.h"

#include <filesystem>
#include <system_error>

#include <lxdp/storage.h>

#include "daemon/Paths.h"
#include "db/Database.h"
#include "db/VolumeQueries.h"
#include "plugins/StorageDriver.h"
#include "services/StorageService.h"
#include "services/VolumeService.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace fs = std::filesystem;

namespace {

std::string valueOf(const db::StringMap& config, const std::string& key) {
    auto it = config.find(key);
    return it == config.end() ? std::string() : it->second;
}

// Every entry of from goes into to (across filesystems: copied, then removed).
void moveEntries(const fs::path& from, const fs::path& to) {
    std::vector<fs::path> copied;
    try {
        for (const auto& entry : fs::directory_iterator(from)) {
            const fs::path target = to / entry.path().filename();
            fs::copy(entry.path(), target, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
            copied.push_back(target);
        }
    } catch (...) {
        // Nothing half-moved: what was copied goes again, the originals are untouched.
        for (const auto& p : copied) {
            std::error_code ignored;
            fs::remove_all(p, ignored);
        }
        throw;
    }
    for (const auto& entry : fs::directory_iterator(from)) fs::remove_all(entry.path());
}

const char* const kKeys[] = {"storage.images_volume", "storage.backups_volume"};

}  // namespace

std::string serverStorageKeyOf(const db::StringMap& serverConfig, const std::string& poolVolume) {
    for (const char* key : kKeys)
        if (valueOf(serverConfig, key) == poolVolume) return key;
    return "";
}

std::string DaemonStorage::volumePath(const std::string& key, const std::string& value) {
    const auto slash = value.find('/');
    const std::string pool = value.substr(0, slash);
    const std::string name = value.substr(slash + 1);
    const auto refuse = [&](const std::string& why) { throw BadRequest("Invalid " + key + ": " + why); };
    if (!db_.pool(pool)) refuse("storage pool \"" + pool + "\" not found");
    if (!db::poolVolume(db_, pool, "default", LXDP_VOLUME_CUSTOM, name))
        refuse("custom volume \"" + name + "\" not found on pool \"" + pool + "\" (default project)");
    if (const auto users = volumes_.usedBy(pool, "default", name); !users.empty())
        refuse("volume \"" + value + "\" is in use by " + users.front());
    plugins::VolumeRef ref;
    ref.type = LXDP_VOLUME_CUSTOM;
    ref.name = name;
    const std::string path = storage_.pool(pool).mountVolume(ref);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(path, ec))
        if (entry.path().filename() != "lost+found") refuse("volume \"" + value + "\" is not empty");
    if (ec) refuse("cannot read the volume at " + path + ": " + ec.message());
    return path;
}

void DaemonStorage::relocate(const std::string& dir, const std::string& key, const std::string& from,
                             const std::string& to) {
    if (from == to) return;
    const fs::path link = dir;
    const fs::path target = to.empty() ? link : fs::path(volumePath(key, to));
    try {
        if (!fs::exists(link)) fs::create_directory(link);  // backups/ is made on first use
        const fs::path source = fs::canonical(link);
        if (to.empty()) {
            // Back into a plain directory: the link goes first, the files follow.
            const fs::path staging = link.string() + ".moving";
            fs::create_directory(staging);
            fs::permissions(staging, fs::perms::owner_all);
            try {
                moveEntries(source, staging);
            } catch (...) {
                fs::remove_all(staging);
                throw;
            }
            fs::remove(link);
            fs::rename(staging, link);
            return;
        }
        moveEntries(source, target);
        fs::remove(link);  // the old link, or the emptied directory
        fs::create_directory_symlink(target, link);
    } catch (const fs::filesystem_error& e) {
        throw InternalError("Failed moving " + dir + " for " + key + ": " + e.what());
    }
}

void DaemonStorage::apply(const db::StringMap& before, const db::StringMap& after) {
    const std::pair<const char*, std::string> keys[] = {{kKeys[0], paths_.images}, {kKeys[1], paths_.varDir + "/backups"}};
    for (const auto& [key, dir] : keys) relocate(dir, key, valueOf(before, key), valueOf(after, key));
}

}  // namespace lxdp::services
