// The image tasks of upstream's daemon (spec "Caching" and "Auto-update"): cached images unused
// for images.remote_cache_expiry days are removed (at start, then daily), and images with
// auto_update and a recorded source are refreshed from their server (at start, then every
// images.auto_update_interval hours; 0 disables it). Each pass is an operation, as upstream's
// "Cleaning up expired images" and "Updating images".
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "db/Records.h"

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
    ~ImageCacheTask() { stop(); }

    void start();
    void stop();

private:
    void pruneExpired();
    void autoUpdate();
    int64_t setting(const std::string& key, int64_t fallback);

    db::Database& db_;
    ImageService& images_;
    RemoteImages& remote_;
    ops::OperationManager& ops_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace lxdp::services
