// lxc publish: a unified image tarball (metadata.yaml, templates/, rootfs/) made from a stopped
// instance's volume or from a snapshot's, with owners shifted back to the container's own ids, registered as an image.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/Records.h"

namespace lxdp::daemon { struct Paths; }
namespace lxdp::db { class Database; }
namespace lxdp::ops { class Operation; }

namespace lxdp::services {

class ImageService;
class InstanceService;

// POST /1.0/images with source.type instance/container or snapshot, checked by prepare().
struct PublishRequest {
    std::string project = "default";       // of the instance
    std::string imageProject = "default";  // where the image goes (features.images)
    std::string instance;
    std::string snapshot;  // empty: the instance itself
    bool isPublic = false;
    db::StringMap properties;
    std::vector<db::AliasRecord> aliases;
    std::string compression;
};

class ImagePublisher {
public:
    ImagePublisher(const daemon::Paths& paths, db::Database& db, InstanceService& instances, ImageService& images)
        : paths_(paths), db_(db), instances_(instances), images_(images) {}

    // The synchronous checks: source type and instance, free alias names, compression (the
    // body's, else images.compression_algorithm, else gzip).
    PublishRequest prepare(const std::string& project, const nlohmann::json& body);
    // Builds and registers the image; an instance must be stopped (a snapshot may be of a
    // running one). Nothing stays behind on failure.
    db::ImageRecord publish(const PublishRequest& req, ops::Operation& op);

private:
    const daemon::Paths& paths_;
    db::Database& db_;
    InstanceService& instances_;
    ImageService& images_;
};

}  // namespace lxdp::services
