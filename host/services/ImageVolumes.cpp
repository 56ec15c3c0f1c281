#include "services/ImageVolumes.h"

#include <Poco/Logger.h>

#include <sys/stat.h>
#include <unistd.h>

#include "db/Database.h"
#include "db/VolumeQueries.h"
#include "images/ImageArchive.h"
#include "images/SquashfsSuperblock.h"
#include "ops/Operation.h"
#include "plugins/PluginRegistry.h"
#include "plugins/StorageDriver.h"
#include "services/SquashfsExtract.h"
#include "services/StorageService.h"
#include "util/ApiError.h"
#include "util/FaultPoint.h"
#include "util/Time.h"

namespace lxdp::services {

namespace {

constexpr int kImageVolume = LXDP_VOLUME_IMAGE;
// Image volumes belong to no project of their own: upstream records them in the default one.
const std::string kImageVolumeProject = "default";

plugins::VolumeRef imageVolume(const std::string& fingerprint) {
    plugins::VolumeRef v;
    v.type = LXDP_VOLUME_IMAGE;
    v.project = kImageVolumeProject;
    v.name = fingerprint;
    return v;
}

// Unpacks the image into a new volume, reporting progress and stopping when the operation is
// cancelled: the image file (a unified tarball, or a split image's metadata tarball) at the
// volume's top, and a split image's rootfs file, a tarball or a squashfs, into rootfs/.
plugins::StoragePool::Filler unpacker(const std::string& imageFile, ops::Operation& op) {
    return [&imageFile, &op](const std::string& mountPath) {
        util::faultPoint("instance-create-volume-filling");
        const auto progress = [&op](uint64_t done, uint64_t total) {
            lxdp_progress p{sizeof(lxdp_progress), total ? static_cast<int32_t>(done * 100 / total) : -1,
                            "create_instance_from_image_unpack", done, total};
            op.progress(p);
        };
        const auto cancelled = [&op] { return op.cancelled(); };
        images::unpackImage(imageFile, mountPath, progress, cancelled);
        const std::string rootfsFile = imageFile + images::kSplitRootfsSuffix;
        if (::access(rootfsFile.c_str(), F_OK) != 0) return;
        const std::string rootfs = mountPath + "/rootfs";
        if (images::isSquashfs(rootfsFile)) return extractSquashfs(rootfsFile, rootfs, op);
        if (::mkdir(rootfs.c_str(), 0755) != 0) throw InternalError("Failed to create " + rootfs);
        images::unpackImage(rootfsFile, rootfs, progress, cancelled);
    };
}

}  // namespace

bool ImageVolumes::keepsImages(const std::string& poolName) {
    const auto pool = db_.pool(poolName);
    const auto* driver = pool ? plugins_.storageDriver(pool->driver) : nullptr;
    return driver != nullptr && (driver->flags() & LXDP_STORAGE_OPTIMIZED_IMAGES) != 0;
}

std::shared_ptr<std::mutex> ImageVolumes::lock(const std::string& poolName, const std::string& fingerprint) {
    return locks_.get(poolName + "/" + fingerprint);
}

void ImageVolumes::createVolume(const std::string& poolName, const std::string& fingerprint,
                                const std::string& tarball, const plugins::VolumeRef& dst, ops::Operation& op) {
    auto& pool = storage_.pool(poolName);
    if (!keepsImages(poolName)) {
        const auto fill = unpacker(tarball, op);
        pool.createVolume(dst, &fill, op.abiHandle());
        return;
    }
    // Held through the copy, so the image volume cannot go while it is copied.
    auto guard = lock(poolName, fingerprint);
    std::lock_guard held(*guard);
    if (!db::poolVolume(db_, poolName, kImageVolumeProject, kImageVolume, fingerprint))
        makeImageVolume(poolName, fingerprint, tarball, op);
    pool.copyVolume(dst, imageVolume(fingerprint), op.abiHandle());
}

void ImageVolumes::makeImageVolume(const std::string& poolName, const std::string& fingerprint,
                                   const std::string& tarball, ops::Operation& op) {
    auto& pool = storage_.pool(poolName);
    const auto vol = imageVolume(fingerprint);
    // An image volume without its row is one whose making was cut short (the daemon stopped
    // during the unpack): the image file can always make it again.
    try { pool.deleteVolume(vol, nullptr); } catch (...) {}
    const auto fill = unpacker(tarball, op);
    pool.createVolume(vol, &fill, op.abiHandle());
    try {
        db_.createVolume(db::VolumeRecord{poolName, kImageVolumeProject, kImageVolume, fingerprint, 0, "", {},
                                          util::nowRfc3339()});
    } catch (...) {
        try { pool.deleteVolume(vol, nullptr); } catch (...) {}
        throw;
    }
}

void ImageVolumes::remove(const std::string& poolName, const std::string& fingerprint) {
    auto guard = lock(poolName, fingerprint);
    std::lock_guard held(*guard);
    if (!db::poolVolume(db_, poolName, kImageVolumeProject, kImageVolume, fingerprint)) return;
    // The volume goes before its row: a failure leaves both, and the next removal tries again.
    storage_.pool(poolName).deleteVolume(imageVolume(fingerprint), nullptr);
    db_.deleteVolume(poolName, kImageVolumeProject, kImageVolume, fingerprint);
}

void ImageVolumes::removeImage(const std::string& fingerprint) {
    for (const auto& pool : db_.pools()) {
        try {
            remove(pool.name, fingerprint);
        } catch (const std::exception& e) {
            // The image itself is gone already; its volume on this pool waits for the pool's removal.
            Poco::Logger::get("images").warning("image %s: its volume on pool %s stays: %s", fingerprint, pool.name,
                                                std::string(e.what()));
        }
    }
}

void ImageVolumes::removeFromPool(const std::string& poolName) {
    for (const auto& vol : db_.volumes(poolName))
        if (vol.type == kImageVolume) remove(poolName, vol.name);
}

}  // namespace lxdp::services
