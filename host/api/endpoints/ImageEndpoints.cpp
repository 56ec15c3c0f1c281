#include <Poco/Exception.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/URI.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include "api/Filter.h"
#include "api/endpoints/Endpoints.h"
#include "daemon/Paths.h"
#include "db/Database.h"
#include "ops/OperationManager.h"
#include "services/ImageService.h"
#include "services/MultipartImage.h"
#include "services/ProjectFeatures.h"
#include "services/ProjectPolicy.h"
#include "services/SnapshotFields.h"
#include "util/ApiError.h"
#include "util/Hash.h"
#include "util/Random.h"

namespace lxdp::api {

using services::imageProject;

namespace {

bool truthy(const std::string& v) { return v == "1" || v == "true" || v == "yes"; }

// An upload as its headers describe it, before its body is read.
services::ImageUpload uploadFromHeaders(daemon::Context& ctx, Request& r) {
    services::ImageUpload up;
    up.project = imageProject(ctx.db, r.project());
    up.filename = r.header("X-LXD-filename");
    up.isPublic = truthy(r.header("X-LXD-public"));
    std::string props = r.header("X-LXD-properties");
    if (!props.empty()) {
        Poco::URI uri("/?" + props);
        for (const auto& [k, v] : uri.getQueryParameters()) up.properties[k] = v;
    }
    return up;
}

std::string uploadFile(daemon::Context& ctx) { return ctx.paths.images + "/upload-" + util::randomSecret().substr(0, 16); }

// Removes what was received of a refused upload.
void discardUpload(const services::ImageUpload& up) {
    if (!up.path.empty()) ::unlink(up.path.c_str());
    if (!up.rootfsPath.empty()) ::unlink(up.rootfsPath.c_str());
}

// The fingerprint from the hash of what was received, checked against X-LXD-fingerprint.
void finishUpload(services::ImageUpload& up, util::Sha256& hash, Request& r) {
    up.fingerprint = hash.hex();
    std::string expected = r.header("X-LXD-fingerprint");
    if (!expected.empty() && expected != up.fingerprint) {
        discardUpload(up);
        throw BadRequest("Fingerprints don't match, got " + up.fingerprint + " expected " + expected);
    }
    if (up.size == 0) {
        discardUpload(up);
        throw BadRequest("The image upload is empty");
    }
}

// Reads the request body (a unified image) into a file of the images dir, hashing it on the way.
services::ImageUpload receiveUpload(daemon::Context& ctx, Request& r) {
    services::ImageUpload up = uploadFromHeaders(ctx, r);
    up.path = uploadFile(ctx);
    util::Sha256 hash;
    up.size = receiveBodyToFile(r, up.path, &hash, ctx.db);
    finishUpload(up, hash, r);
    return up;
}

// A split image as lxc image import META ROOTFS sends it (multipart/form-data, as upstream): a
// "metadata" part, then a "rootfs" part; both stored in the images dir, fingerprinted together.
services::ImageUpload receiveSplitUpload(daemon::Context& ctx, Request& r) {
    services::ImageUpload up = uploadFromHeaders(ctx, r);
    const auto room = services::ProjectPolicy(ctx.db).diskRoom(r.project());
    util::Sha256 hash;
    try {
        Poco::Net::MultipartReader reader(r.body(), services::multipartBoundary(r.header("Content-Type")));
        services::nextImagePart(reader, "metadata");
        up.path = uploadFile(ctx);
        up.size = receiveStreamToFile(reader.stream(), up.path, &hash, room, r.project());
        // As upstream, the image is named after its rootfs file.
        up.filename = services::nextImagePart(reader, "rootfs");
        up.rootfsPath = uploadFile(ctx);
        up.size += receiveStreamToFile(reader.stream(), up.rootfsPath, &hash,
                                       room ? std::optional<int64_t>(*room - up.size) : std::nullopt, r.project());
    } catch (const Poco::Exception& e) {
        discardUpload(up);
        throw BadRequest("Invalid multipart image: " + e.displayText());
    } catch (...) {
        discardUpload(up);
        throw;
    }
    finishUpload(up, hash, r);
    return up;
}

bool visible(const Request& r, const db::ImageRecord& image) { return r.requestor().trusted || image.isPublic; }

// The image the path names, if the caller may see it (a private image is not found).
db::ImageRecord visibleImage(daemon::Context& ctx, Request& r) {
    auto img = ctx.images.resolve(imageProject(ctx.db, r.project()), r.param("fp"));
    if (!visible(r, img)) throw NotFound("Image not found");
    return img;
}

bool aliasVisible(daemon::Context& ctx, Request& r, const db::AliasRecord& alias) {
    if (r.requestor().trusted) return true;
    auto img = ctx.db.image(alias.project, alias.target);
    return img && img->isPublic;
}

}  // namespace

void registerImageEndpoints(Router& router, daemon::Context& ctx) {
    // Untrusted callers (other servers pulling an image, `lxc remote add --public`) see the
    // public images and their aliases, as upstream.
    router.add("GET", "/1.0/images", [&ctx](Request& r) {
        auto aliases = ctx.db.aliases(imageProject(ctx.db, r.project()));
        const auto filter = Filter::parse(r.query("filter"));
        nlohmann::json out = nlohmann::json::array();
        for (const auto& img : ctx.db.images(imageProject(ctx.db, r.project()))) {
            if (!visible(r, img)) continue;
            auto full = ctx.images.render(img, aliases);
            if (!filter.matches(full)) continue;
            out.push_back(r.recursion() ? full : nlohmann::json("/1.0/images/" + img.fingerprint));
        }
        return Response::sync(out);
    }, Access::Public);

    router.add("POST", "/1.0/images", [&ctx](Request& r) {
        checkSharedWrite(r, imageProject(ctx.db, r.project()));
        std::string type = r.header("Content-Type");
        if (type.rfind("application/json", 0) == 0) {
            const auto source = r.json().value("source", nlohmann::json::object());
            const bool fromServer = source.is_object() && (source.value("type", "") == "image" || source.value("type", "") == "url");
            return fromServer ? downloadImage(r, ctx) : publishImage(r, ctx);
        }
        auto upload = type.rfind("multipart/form-data", 0) == 0 ? receiveSplitUpload(ctx, r) : receiveUpload(ctx, r);
        auto op = ctx.ops.run(imageProject(ctx.db, r.project()), "Downloading image", nullptr, [&ctx, upload](ops::Operation& op) {
            auto rec = ctx.images.import(upload);
            op.updateMetadata({{"fingerprint", rec.fingerprint}, {"size", std::to_string(rec.size)}});
        });
        return Response::async(op);
    });

    router.add("GET", "/1.0/images/{fp}", [&ctx](Request& r) {
        auto img = visibleImage(ctx, r);
        return Response::sync(ctx.images.render(img), ctx.images.etag(img));
    }, Access::Public);

    auto update = [&ctx](Request& r, bool patch) {
        checkSharedWrite(r, imageProject(ctx.db, r.project()));
        auto img = ctx.images.resolve(imageProject(ctx.db, r.project()), r.param("fp"));
        checkIfMatch(r, ctx.images.etag(img));
        const auto& body = r.json();
        if (!patch || body.contains("public")) img.isPublic = body.value("public", false);
        if (!patch || body.contains("auto_update")) img.autoUpdate = body.value("auto_update", false);
        if (!patch || body.contains("properties")) {
            putOrPatch(img.properties, jsonStringMap(body.value("properties", nlohmann::json::object())), patch);
        }
        // As upstream, a missing or zero expires_at keeps the image's expiry (images_expiry).
        if (body.contains("expires_at"))
            if (auto expiry = services::snapshotExpiry(body["expires_at"]); !expiry.empty()) img.expiresAt = expiry;
        if (body.contains("profiles") && !body["profiles"].is_null())
            img.profiles = body["profiles"].get<std::vector<std::string>>();
        ctx.images.update(img);
        return Response::sync(nlohmann::json::object());
    };
    router.add("PUT", "/1.0/images/{fp}", [update](Request& r) { return update(r, false); });
    router.add("PATCH", "/1.0/images/{fp}", [update](Request& r) { return update(r, true); });

    router.add("DELETE", "/1.0/images/{fp}", [&ctx](Request& r) {
        checkSharedWrite(r, imageProject(ctx.db, r.project()));
        auto img = ctx.images.resolve(imageProject(ctx.db, r.project()), r.param("fp"));
        auto op = ctx.ops.run(imageProject(ctx.db, r.project()), "Deleting image", {{"images", {"/1.0/images/" + img.fingerprint}}},
                              [&ctx, img](ops::Operation&) { ctx.images.remove(img.project, img.fingerprint); });
        return Response::async(op);
    });

    router.add("GET", "/1.0/images/{fp}/export", [&ctx](Request& r) {
        auto img = visibleImage(ctx, r);
        return ctx.images.exportResponse(img);
    }, Access::Public);

    // ---- aliases ----
    router.add("GET", "/1.0/images/aliases", [&ctx](Request& r) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& a : ctx.db.aliases(imageProject(ctx.db, r.project()))) {
            if (!aliasVisible(ctx, r, a)) continue;
            out.push_back(r.recursion() ? ctx.images.renderAlias(a) : nlohmann::json("/1.0/images/aliases/" + a.name));
        }
        return Response::sync(out);
    }, Access::Public);

    router.add("POST", "/1.0/images/aliases", [&ctx](Request& r) {
        checkSharedWrite(r, imageProject(ctx.db, r.project()));
        const auto& body = r.json();
        db::AliasRecord a{imageProject(ctx.db, r.project()), body.value("name", ""), body.value("target", ""), body.value("description", "")};
        ctx.images.createAlias(a);
        return Response::created("/1.0/images/aliases/" + a.name);
    });

    router.add("GET", "/1.0/images/aliases/{name}", [&ctx](Request& r) {
        auto a = ctx.images.alias(imageProject(ctx.db, r.project()), r.param("name"));
        if (!aliasVisible(ctx, r, a)) throw NotFound("Image alias not found");
        return Response::sync(ctx.images.renderAlias(a),
                              util::sha256Hex(nlohmann::json{{"target", a.target}, {"description", a.description}}.dump()));
    }, Access::Public);

    auto updateAlias = [&ctx](Request& r, bool patch) {
        checkSharedWrite(r, imageProject(ctx.db, r.project()));
        auto a = ctx.images.alias(imageProject(ctx.db, r.project()), r.param("name"));
        const auto& body = r.json();
        if (!patch || body.contains("target")) a.target = body.value("target", "");
        if (!patch || body.contains("description")) a.description = body.value("description", "");
        ctx.images.updateAlias(a);
        return Response::sync(nlohmann::json::object());
    };
    router.add("PUT", "/1.0/images/aliases/{name}", [updateAlias](Request& r) { return updateAlias(r, false); });
    router.add("PATCH", "/1.0/images/aliases/{name}", [updateAlias](Request& r) { return updateAlias(r, true); });

    router.add("POST", "/1.0/images/aliases/{name}", [&ctx](Request& r) {
        checkSharedWrite(r, imageProject(ctx.db, r.project()));
        std::string to = r.json().value("name", "");
        ctx.images.renameAlias(imageProject(ctx.db, r.project()), r.param("name"), to);
        return Response::created("/1.0/images/aliases/" + to);
    });

    router.add("DELETE", "/1.0/images/aliases/{name}", [&ctx](Request& r) {
        checkSharedWrite(r, imageProject(ctx.db, r.project()));
        ctx.images.removeAlias(imageProject(ctx.db, r.project()), r.param("name"));
        return Response::sync(nullptr);
    });
}

}  // namespace lxdp::api
