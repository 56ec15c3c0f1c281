// Images from image servers (spec "Remote image server (LXD or simplestreams)" and "File on a
// remote web server"): POST /1.0/images with source type "image" (mode pull) or "url", and
// instances created from an image of another server. The files (a unified image's, or a split
// image's metadata and rootfs) are downloaded into images/ (ImageDownload), bounded by the
// project's limits.disk, checked against the fingerprint the server announced, and only then
// handed to ImageService::import; a failed download leaves neither file nor row.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "db/Records.h"

namespace lxdp::db { class Database; }
namespace lxdp::ops { class Operation; }
namespace lxdp::daemon { struct Paths; }

namespace lxdp::services {

class ImageService;

// The image server part of a request's "source".
struct RemoteImageSource {
    std::string server;    // https://host:port of an LXD server or simplestreams tree; the image URL for "direct"
    std::string protocol;  // "lxd", "simplestreams" or "direct"
    std::string certificate;
    std::string secret;
    // An alias, or else a fingerprint or a prefix of one: upstream's requests put either name
    // in "alias" or "fingerprint".
    std::string alias;
};

struct RemoteImageOptions {
    bool cached = false;
    bool autoUpdate = false;
    bool isPublic = false;
};

class RemoteImages {
public:
    RemoteImages(const daemon::Paths& paths, db::Database& db, ImageService& images)
        : paths_(paths), db_(db), images_(images) {}

    // The image server part of source (type "image" with a server, or "url"), checked before any
    // connection is made: 400 naming what is wrong. nullopt for a local image.
    static std::optional<RemoteImageSource> parse(const nlohmann::json& source);

    // The project's copy of the image: the one an earlier download for the same alias left, the
    // one with the image's fingerprint, or else a new download. `requestProject` is the
    // project the request names (its limits.disk bounds the download).
    db::ImageRecord obtain(const std::string& requestProject, const RemoteImageSource& source,
                           const RemoteImageOptions& options, ops::Operation& op);

    // For auto_update: downloads a newer image of the same source alias, if the server has one,
    // moves the aliases to it and removes the old image. nullopt when it is up to date.
    std::optional<db::ImageRecord> refresh(const db::ImageRecord& image, ops::Operation& op);

private:
    struct Download;
    Download locate(const RemoteImageSource& source);
    db::ImageRecord fetch(const std::string& requestProject, const RemoteImageSource& source, const Download& download,
                          const RemoteImageOptions& options, ops::Operation& op);

    const daemon::Paths& paths_;
    db::Database& db_;
    ImageService& images_;
    // One download at a time: two launches of one alias download it once.
    std::mutex mutex_;
};

}  // namespace lxdp::services
