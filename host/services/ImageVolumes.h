// The volumes made from images. On a pool whose driver keeps image volumes
// (LXDP_STORAGE_OPTIMIZED_IMAGES, btrfs), an image is unpacked once into a volume of type image
// named by its fingerprint (recorded as upstream's: a storage_volumes row of type image in the
// default project) and each new root volume is a copy of it, which for such a driver is a
// snapshot; on other pools every new volume gets its own unpack. Image volumes go with their
// image (once no project has it) and with their pool.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "util/KeyedMutexes.h"

namespace lxdp::db { class Database; }
namespace lxdp::ops { class Operation; }
namespace lxdp::plugins {
class PluginRegistry;
struct VolumeRef;
}  // namespace lxdp::plugins

namespace lxdp::services {

class StorageService;

class ImageVolumes {
public:
    ImageVolumes(db::Database& db, plugins::PluginRegistry& plugins, StorageService& storage)
        : db_(db), plugins_(plugins), storage_(storage) {}

    // Creates dst on the pool with the image's files (tarball: the image file). The first use of
    // an image on a keeping pool makes its image volume; concurrent first uses unpack once, and
    // a failed unpack leaves neither volume nor row.
    void createVolume(const std::string& poolName, const std::string& fingerprint, const std::string& tarball,
                      const plugins::VolumeRef& dst, ops::Operation& op);
    // Removes the image's volumes from every pool (the image is gone from every project).
    void removeImage(const std::string& fingerprint);
    // Removes every image volume of the pool (before the pool itself goes).
    void removeFromPool(const std::string& poolName);
    // Removes the image's volume from one pool (DELETE on the volume); the image stays.
    void remove(const std::string& poolName, const std::string& fingerprint);

private:
    bool keepsImages(const std::string& poolName);
    // One lock per image and pool: its volume is made, copied and removed under it.
    std::shared_ptr<std::mutex> lock(const std::string& poolName, const std::string& fingerprint);
    void makeImageVolume(const std::string& poolName, const std::string& fingerprint, const std::string& tarball,
                         ops::Operation& op);

    db::Database& db_;
    plugins::PluginRegistry& plugins_;
    StorageService& storage_;
    util::KeyedMutexes locks_;
};

}  // namespace lxdp::services
