// The image tasks of upstream's daemon (spec "Caching" and "Auto-update"): cached images unused
// for images.remote_cache_expiry days are removed (at start, then daily), and images with
// auto_update and a recorded source are refreshed from their server (at start, then every
// images.auto_update_interval hours; 0 disables it). Each pass is an operation, as upstream's
// "Cleaning up expired images" and "Updating images".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "db/Records.h"
#include "util/PeriodicTask.h"

namespace lxdp::db { class Database; }
namespace lxdp::ops { class OperationManager; }

namespace lxdp::services {

class ImageService;
class RemoteImages;

// The cached images of `images` whose last use (or download, if never used) is more than
// `days` days before `now` (Unix seconds). Nothing when days is 0.
std::vector<db::ImageRecord> expiredCachedImages(const std::vector<db::ImageRecord>& images, int64_t days, int64_t now);

class ImageCacheTask {
public:
    ImageCacheTask(db::Database& db, ImageService& images, RemoteImages& remote, ops::OperationManager& ops)
        : db_(db), images_(images), remote_(remote), ops_(ops) {}
    // Both passes run at once; then the expiry daily and the update every
    // images.auto_update_interval hours.
    void start();
    void stop() { task_.stop(); }

private:
    // Runs what is due, read anew each time so that a changed setting applies from the next pass.
    std::chrono::milliseconds step();
    void pruneExpired();
    void autoUpdate();
    int64_t setting(const std::string& key, int64_t fallback);

    db::Database& db_;
    ImageService& images_;
    RemoteImages& remote_;
    ops::OperationManager& ops_;
    std::chrono::steady_clock::time_point nextPrune_{}, nextUpdate_{};
    util::PeriodicTask task_{"image task"};
};

}  // namespace lxdp::services
