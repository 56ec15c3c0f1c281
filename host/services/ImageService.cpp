#include "services/ImageService.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "config/Names.h"
#include "daemon/Paths.h"
#include "db/Database.h"
#include "db/ImageFiles.h"
#include "events/EventHub.h"
#include "images/ImageArchive.h"
#include "images/SquashfsSuperblock.h"
#include "services/ImageVolumes.h"
#include "util/ApiError.h"
#include "util/FaultPoint.h"
#include "util/Hash.h"
#include "util/Time.h"

namespace lxdp::services {

namespace {
bool isHex(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}
}  // namespace

std::string ImageService::tarballPath(const std::string& fingerprint) const { return paths_.images + "/" + fingerprint; }

std::string ImageService::rootfsPath(const std::string& fingerprint) const {
    return tarballPath(fingerprint) + images::kSplitRootfsSuffix;
}

void ImageService::pruneLeftoverFiles() {
    DIR* dir = ::opendir(paths_.images.c_str());
    if (!dir) return;
    const auto recorded = db::storedImageFingerprints(db_);
    while (auto* entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        // A split image's rootfs is stored beside its metadata as <fingerprint>.rootfs.
        const std::string suffix = images::kSplitRootfsSuffix;
        const std::string base = name.size() > suffix.size() && name.ends_with(suffix)
                                     ? name.substr(0, name.size() - suffix.size()) : name;
        if (name.rfind("upload-", 0) == 0 || !recorded.count(base)) ::unlinkat(::dirfd(dir), name.c_str(), 0);
    }
    ::closedir(dir);
}

db::ImageRecord ImageService::import(const ImageUpload& upload) {
    util::faultPoint("image-import-upload-written");
    const bool split = !upload.rootfsPath.empty();
    auto discard = [&] {
        ::unlink(upload.path.c_str());
        if (split) ::unlink(upload.rootfsPath.c_str());
    };
    images::ImageMetadata meta;
    try {
        meta = images::readImageMetadata(upload.path);
        if (!split && !meta.hasRootfs)
            throw BadRequest("Image has no rootfs (a split image's metadata tarball is imported with its rootfs file)");
        if (split && meta.hasRootfs) throw BadRequest("The metadata tarball of a split image holds a rootfs too");
        if (split) images::checkSplitRootfs(upload.rootfsPath);
    } catch (...) {
        discard();
        throw;
    }
    if (db_.image(upload.project, upload.fingerprint)) {
        discard();
        throw Conflict("Image with same fingerprint already exists");
    }
    db::ImageRecord rec;
    rec.project = upload.project;
    rec.fingerprint = upload.fingerprint;
    rec.filename = upload.filename;
    rec.size = upload.size;
    rec.isPublic = upload.isPublic;
    rec.cached = upload.cached;
    rec.autoUpdate = upload.autoUpdate;
    rec.architecture = meta.architecture;
    rec.createdAt = meta.creationDate ? util::rfc3339FromUnix(meta.creationDate) : util::kZeroTime;
    rec.expiresAt = meta.expiryDate ? util::rfc3339FromUnix(meta.expiryDate) : util::kZeroTime;
    rec.uploadedAt = util::nowRfc3339();
    rec.lastUsedAt = util::kZeroTime;
    rec.properties = meta.properties;
    for (const auto& [k, v] : upload.properties) rec.properties[k] = v;

    // Files without their row (a crash before the record) are pruned at the next start.
    const std::string finalPath = tarballPath(upload.fingerprint), finalRootfs = rootfsPath(upload.fingerprint);
    auto unstore = [&] {
        ::unlink(finalPath.c_str());
        ::unlink(finalRootfs.c_str());
    };
    if ((split && std::rename(upload.rootfsPath.c_str(), finalRootfs.c_str()) != 0) ||
        std::rename(upload.path.c_str(), finalPath.c_str()) != 0) {
        discard();
        unstore();
        throw InternalError("Cannot store the image file");
    }
    util::faultPoint("image-import-after-file");
    try {
        db_.transaction([&] {
            db_.createImage(rec);
            if (upload.source) db::recordImageSource(db_, *upload.source);
        });
    } catch (...) {
        unstore();
        throw;
    }
    util::faultPoint("image-import-after-record");
    events_.lifecycle(rec.project, "image-created", "/1.0/images/" + rec.fingerprint);
    return rec;
}

db::ImageRecord ImageService::resolve(const std::string& project, const std::string& fingerprint) {
    if (!isHex(fingerprint)) throw NotFound("Image not found");
    if (fingerprint.size() == 64) {
        if (auto img = db_.image(project, fingerprint)) return *img;
        throw NotFound("Image not found");
    }
    auto matches = db_.imagesByPrefix(project, fingerprint);
    if (matches.empty()) throw NotFound("Image not found");
    if (matches.size() > 1) throw BadRequest("More than one image matches");
    return matches.front();
}

db::ImageRecord ImageService::resolveAliasOrFingerprint(const std::string& project, const std::string& ref) {
    if (auto a = db_.alias(project, ref)) return resolve(project, a->target);
    return resolve(project, ref);
}

void ImageService::remove(const std::string& project, const std::string& fingerprint) {
    auto img = resolve(project, fingerprint);
    db_.deleteImage(project, img.fingerprint);
    // Projects with features.images hold their own rows of one shared file (and image volumes):
    // they go with the last row.
    const auto projects = db_.projects();
    if (std::none_of(projects.begin(), projects.end(),
                     [&](const db::ProjectRecord& p) { return db_.image(p.name, img.fingerprint).has_value(); })) {
        ::unlink(tarballPath(img.fingerprint).c_str());
        ::unlink(rootfsPath(img.fingerprint).c_str());
        volumes_.removeImage(img.fingerprint);
    }
    events_.lifecycle(project, "image-deleted", "/1.0/images/" + img.fingerprint);
}

void ImageService::update(const db::ImageRecord& image) {
    db_.updateImage(image);
    events_.lifecycle(image.project, "image-updated", "/1.0/images/" + image.fingerprint);
}

void ImageService::markUsed(const db::ImageRecord& image) {
    auto used = image;
    used.lastUsedAt = util::nowRfc3339();
    db_.updateImage(used);
}

api::Response ImageService::exportResponse(const db::ImageRecord& image) const {
    // Named after the fingerprint, whatever file the image was imported from (lxc image export
    // FP writes FP.tar.gz, as users' scripts expect).
    const std::string meta = tarballPath(image.fingerprint), rootfs = rootfsPath(image.fingerprint);
    const std::string name = image.fingerprint + images::tarballExtension(images::compressionOf(meta));
    if (::access(rootfs.c_str(), F_OK) != 0)
        return api::Response::file(meta, {{"Content-Disposition", "inline;filename=" + name}});
    const std::string rootfsName =
        image.fingerprint +
        (images::isSquashfs(rootfs) ? std::string(".squashfs") : images::tarballExtension(images::compressionOf(rootfs)));
    return api::Response::files({{"metadata", "meta-" + name, meta}, {"rootfs", rootfsName, rootfs}});
}

nlohmann::json ImageService::render(const db::ImageRecord& image) {
    return render(image, db_.aliases(image.project));
}

nlohmann::json ImageService::render(const db::ImageRecord& r, const std::vector<db::AliasRecord>& aliases) {
    nlohmann::json mine = nlohmann::json::array();
    for (const auto& a : aliases)
        if (a.target == r.fingerprint) mine.push_back({{"name", a.name}, {"description", a.description}});
    nlohmann::json out = {{"aliases", mine},
            {"architecture", r.architecture},
            {"auto_update", r.autoUpdate},
            {"cached", r.cached},
            {"created_at", r.createdAt},
            {"expires_at", r.expiresAt},
            {"filename", r.filename},
            {"fingerprint", r.fingerprint},
            {"last_used_at", r.lastUsedAt},
            {"profiles", r.profiles},
            {"properties", r.properties},
            {"public", r.isPublic},
            {"size", r.size},
            {"type", r.type},
            {"uploaded_at", r.uploadedAt}};
    // Only images from an image server have one, as upstream.
    if (auto source = db::imageSource(db_, r.project, r.fingerprint))
        out["update_source"] = {{"alias", source->alias},       {"certificate", source->certificate},
                                {"protocol", source->protocol}, {"server", source->server},
                                {"image_type", r.type}};
    return out;
}

std::string ImageService::etag(const db::ImageRecord& r) {
    nlohmann::json editable = {{"auto_update", r.autoUpdate}, {"properties", r.properties},
                               {"public", r.isPublic},        {"expires_at", r.expiresAt},
                               {"profiles", r.profiles}};
    return util::sha256Hex(editable.dump());
}

db::AliasRecord ImageService::alias(const std::string& project, const std::string& name) {
    auto a = db_.alias(project, name);
    if (!a) throw NotFound("Image alias not found");
    return *a;
}

void ImageService::createAlias(const db::AliasRecord& alias) {
    config::checkImageAliasName(alias.name);
    if (db_.alias(alias.project, alias.name)) throw Conflict("Alias \"" + alias.name + "\" already exists");
    auto target = resolve(alias.project, alias.target);
    auto rec = alias;
    rec.target = target.fingerprint;
    db_.createAlias(rec);
    events_.lifecycle(alias.project, "image-alias-created", "/1.0/images/aliases/" + alias.name,
                      {{"target", rec.target}});
}

void ImageService::updateAlias(const db::AliasRecord& alias) {
    auto rec = alias;
    rec.target = resolve(alias.project, alias.target).fingerprint;
    db_.updateAlias(rec);
    events_.lifecycle(alias.project, "image-alias-updated", "/1.0/images/aliases/" + alias.name);
}

void ImageService::renameAlias(const std::string& project, const std::string& from, const std::string& to) {
    alias(project, from);
    config::checkImageAliasName(to);
    if (db_.alias(project, to)) throw Conflict("Alias \"" + to + "\" already exists");
    db_.renameAlias(project, from, to);
    events_.lifecycle(project, "image-alias-renamed", "/1.0/images/aliases/" + to, {{"old_name", from}});
}

void ImageService::removeAlias(const std::string& project, const std::string& name) {
    alias(project, name);
    db_.deleteAlias(project, name);
    events_.lifecycle(project, "image-alias-deleted", "/1.0/images/aliases/" + name);
}

nlohmann::json ImageService::renderAlias(const db::AliasRecord& a) {
    std::string type = "container";
    if (auto img = db_.image(a.project, a.target)) type = img->type;
    return {{"name", a.name}, {"target", a.target}, {"description", a.description}, {"type", type}};
}

}  // namespace lxdp::services
