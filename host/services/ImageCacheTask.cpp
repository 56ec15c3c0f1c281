#include "services/ImageCacheTask.h"

#include <Poco/Logger.h>

#include <chrono>

#include "db/Database.h"
#include "db/ImageSourceQueries.h"
#include "ops/Operation.h"
#include "ops/OperationManager.h"
#include "services/ImageService.h"
#include "services/RemoteImages.h"
#include "util/Time.h"

namespace lxdp::services {

namespace {

Poco::Logger& log() { return Poco::Logger::get("images"); }

int64_t unixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::vector<db::ImageRecord> expiredCachedImages(const std::vector<db::ImageRecord>& images, int64_t days, int64_t now) {
    std::vector<db::ImageRecord> out;
    if (days <= 0) return out;
    for (const auto& img : images) {
        if (!img.cached) continue;
        auto used = util::parseRfc3339(img.lastUsedAt);
        if (!used || *used <= 0) used = util::parseRfc3339(img.uploadedAt);
        if (used && *used + days * 86400 < now) out.push_back(img);
    }
    return out;
}

int64_t ImageCacheTask::setting(const std::string& key, int64_t fallback) {
    const auto config = db_.serverConfig();
    auto it = config.find(key);
    if (it == config.end() || it->second.empty()) return fallback;
    try {
        return std::stoll(it->second);
    } catch (const std::exception&) {
        return fallback;
    }
}

void ImageCacheTask::pruneExpired() {
    std::vector<db::ImageRecord> expired;
    const int64_t days = setting("images.remote_cache_expiry", 10);
    for (const auto& project : db_.projects()) {
        auto more = expiredCachedImages(db_.images(project.name), days, unixNow());
        expired.insert(expired.end(), more.begin(), more.end());
    }
    if (expired.empty()) return;
    ops_.run("", "Cleaning up expired images", nullptr, [this, expired](ops::Operation&) {
        for (const auto& img : expired) {
            log().information("removing the unused cached image %s", img.fingerprint);
            images_.remove(img.project, img.fingerprint);
        }
    });
}

void ImageCacheTask::autoUpdate() {
    std::vector<db::ImageRecord> due;
    for (const auto& source : db::allImageSources(db_))
        if (auto img = db_.image(source.project, source.fingerprint); img && img->autoUpdate && !source.alias.empty())
            due.push_back(*img);
    if (due.empty()) return;
    ops_.run("", "Updating images", nullptr, [this, due](ops::Operation& op) {
        for (const auto& img : due) {
            try {
                if (auto fresh = remote_.refresh(img, op))
                    log().information("image %s replaced by %s", img.fingerprint, fresh->fingerprint);
            } catch (const std::exception& e) {
                // One unreachable server does not stop the others.
                log().warning("cannot update image %s: %s", img.fingerprint, std::string(e.what()));
            }
        }
    });
}

std::chrono::milliseconds ImageCacheTask::step() {
    const auto now = std::chrono::steady_clock::now();
    if (now >= nextPrune_) {
        pruneExpired();
        nextPrune_ = now + std::chrono::hours(24);
    }
    if (now >= nextUpdate_) {
        const int64_t hours = setting("images.auto_update_interval", 6);
        if (hours > 0) autoUpdate();
        nextUpdate_ = now + std::chrono::hours(hours > 0 ? hours : 1);
    }
    return std::chrono::minutes(1);
}

void ImageCacheTask::start() {
    task_.start(std::chrono::milliseconds(0), [this] { return step(); });
}

}  // namespace lxdp::services
