// Images: unified tarballs kept under images/<fingerprint> (split images: their metadata there,
// their rootfs beside it), their records and aliases.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/Response.h"
#include "db/ImageSourceQueries.h"
#include "db/Records.h"

namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }
namespace lxdp::daemon { struct Paths; }

namespace lxdp::services {

class ImageVolumes;

struct ImageUpload {
    std::string project = "default";
    std::string path;         // a temporary file inside the images dir
    std::string rootfsPath;   // a split image's rootfs (temporary too); empty for a unified image
    std::string fingerprint;  // sha256 of the file (of a split image: of its metadata then rootfs)
    int64_t size = 0;         // of both files of a split image
    std::string filename;
    bool isPublic = false;
    db::StringMap properties; // from X-LXD-properties, over the image's own
    bool cached = false;      // downloaded for an instance, removed again when unused
    bool autoUpdate = false;
    std::optional<db::ImageSourceRecord> source;  // the image server it came from
};

class ImageService {
public:
    ImageService(const daemon::Paths& paths, db::Database& db, events::EventHub& events, ImageVolumes& volumes)
        : paths_(paths), db_(db), events_(events), volumes_(volumes) {}

    // Checks the image file (and a split image's rootfs) and records the image (with its source,
    // if any); a malformed file is a 400 and leaves nothing.
    db::ImageRecord import(const ImageUpload& upload);
    // A full fingerprint or a unique prefix of one (12 hex digits at least, as upstream).
    db::ImageRecord resolve(const std::string& project, const std::string& fingerprint);
    // An alias name, or else a fingerprint.
    db::ImageRecord resolveAliasOrFingerprint(const std::string& project, const std::string& ref);
    // Removes the image from the project; its volumes on the pools go once no project has it.
    void remove(const std::string& project, const std::string& fingerprint);
    void update(const db::ImageRecord& image);
    // Records that an instance was just made from the image (images.remote_cache_expiry counts
    // from there).
    void markUsed(const db::ImageRecord& image);
    std::string tarballPath(const std::string& fingerprint) const;
    // Where a split image keeps its rootfs; no file there for a unified image.
    std::string rootfsPath(const std::string& fingerprint) const;
    // At start: removes what a killed daemon left in images/, uploads half-written (upload-*)
    // and image files stored without their row (as upstream's pruneLeftoverImages).
    void pruneLeftoverFiles();
    // The image's files as an export answers them, as upstream: a unified image's tarball
    // offered as <fingerprint>.tar.<compression>; a split image's two files as a multipart body,
    // its metadata as meta-<fingerprint>.tar.<compression>, its rootfs as <fingerprint>.squashfs
    // (or .tar.<compression>).
    api::Response exportResponse(const db::ImageRecord& image) const;

    nlohmann::json render(const db::ImageRecord& image);
    nlohmann::json render(const db::ImageRecord& image, const std::vector<db::AliasRecord>& aliases);
    std::string etag(const db::ImageRecord& image);

    db::AliasRecord alias(const std::string& project, const std::string& name);
    void createAlias(const db::AliasRecord& alias);
    void updateAlias(const db::AliasRecord& alias);
    void renameAlias(const std::string& project, const std::string& from, const std::string& to);
    void removeAlias(const std::string& project, const std::string& name);
    nlohmann::json renderAlias(const db::AliasRecord& alias);

private:
    const daemon::Paths& paths_;
    db::Database& db_;
    events::EventHub& events_;
    ImageVolumes& volumes_;
};

}  // namespace lxdp::services
