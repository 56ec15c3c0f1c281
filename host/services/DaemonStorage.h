// storage.images_volume and storage.backups_volume ("POOL/VOLUME"): the daemon's images and
// backups directories placed on a custom volume, as upstream's. Setting a key moves the files
// onto the (empty, unattached) volume and makes $LXD_DIR/images (or backups) a link to its mount
// path; unsetting it moves them back into a plain directory.
#pragma once

#include <string>

#include "db/Records.h"

namespace lxdp::db { class Database; }
namespace lxdp::daemon { struct Paths; }

namespace lxdp::services {

class StorageService;
class VolumeService;

// The server key (storage.images_volume or storage.backups_volume) that puts a directory on the
// default project's custom volume "POOL/VOLUME", or "" when none does.
std::string serverStorageKeyOf(const db::StringMap& serverConfig, const std::string& poolVolume);

class DaemonStorage {
public:
    DaemonStorage(const daemon::Paths& paths, db::Database& db, StorageService& storage, VolumeService& volumes)
        : paths_(paths), db_(db), storage_(storage), volumes_(volumes) {}

    // A server config listener: refuses a volume that cannot take the files, else moves them.
    void apply(const db::StringMap& before, const db::StringMap& after);

private:
    // Where the files of a "POOL/VOLUME" value go: the volume's mount path (400 when unusable).
    std::string volumePath(const std::string& key, const std::string& value);
    void relocate(const std::string& dir, const std::string& key, const std::string& from, const std::string& to);

    const daemon::Paths& paths_;
    db::Database& db_;
    StorageService& storage_;
    VolumeService& volumes_;
};

}  // namespace lxdp::services
