#include "services/RemoteImages.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>

#include "daemon/Paths.h"
#include "db/Database.h"
#include "db/ImageSourceQueries.h"
#include "images/SimpleStreams.h"
#include "ops/Operation.h"
#include "services/ImageDownload.h"
#include "services/ImageService.h"
#include "services/ProjectFeatures.h"
#include "services/ProjectPolicy.h"
#include "tls/HttpsFetch.h"
#include "util/ApiError.h"
#include "util/HostArchitecture.h"

namespace lxdp::services {

namespace {

// Index and products files of the public simplestreams servers stay well below this.
constexpr size_t kMaxJsonBytes = 64 << 20;

bool isSha256(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::string encoded(const std::string& s) {
    std::string out;
    Poco::URI::encode(s, "/?#&=+%", out);
    return out;
}

std::string withoutTrailingSlash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

// A JSON document of the server: the whole body, bounded.
nlohmann::json fetchJson(const std::string& url, const std::string& certificate) {
    std::string body;
    const auto result = tls::httpsFetch("GET", url, certificate, {}, [&](const char* data, size_t n) {
        if (body.size() + n > kMaxJsonBytes) throw BadRequest("The answer of \"" + url + "\" is too large");
        body.append(data, n);
    });
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (result.status != 200) {
        const std::string why = json.is_object() && json.contains("error") && json["error"].is_string()
                                    ? json["error"].get<std::string>()
                                    : "HTTP status " + std::to_string(result.status);
        throw ApiError(result.status == 404 ? 404 : 400, "The image server \"" + url + "\" answered: " + why);
    }
    if (json.is_discarded()) throw BadRequest("The image server \"" + url + "\" did not answer JSON");
    return json;
}

// The metadata of an LXD API answer.
nlohmann::json fetchLxd(const std::string& url, const std::string& certificate) {
    auto json = fetchJson(url, certificate);
    if (!json.is_object() || !json.contains("metadata") || !json["metadata"].is_object())
        throw BadRequest("The image server \"" + url + "\" did not answer as an LXD server");
    return json["metadata"];
}

std::string stringField(const nlohmann::json& o, const char* key) {
    return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}

// The file name an image is exported under: the last part of its URL, if it is a plain name.
std::string displayName(const std::string& url) {
    std::string path = Poco::URI(url).getPath();
    std::string name = path.substr(path.find_last_of('/') + 1);
    const bool plain = !name.empty() && name != "." && name != ".." && name.size() <= 255 &&
                       std::all_of(name.begin(), name.end(), [](unsigned char c) { return c > 32 && c < 127; });
    return plain ? name : "";
}

}  // namespace

// What is to be downloaded, hashed to the fingerprint: an LXD server's export or an image URL's
// file, or the files a simplestreams server lists for the image.
struct RemoteImages::Download {
    std::string fingerprint;
    std::string url;
    // A simplestreams image's unified or metadata file, then a split image's rootfs, each with its
    // URL; none for an export.
    std::vector<std::pair<std::string, images::StreamFile>> streamFiles;
    std::string filename;
    db::StringMap properties;
};

std::optional<RemoteImageSource> RemoteImages::parse(const nlohmann::json& source) {
    if (!source.is_object()) return std::nullopt;
    const std::string type = stringField(source, "type");
    RemoteImageSource out;
    if (type == "url") {
        out.protocol = "direct";
        out.server = stringField(source, "url");
        if (out.server.empty()) throw BadRequest("Missing URL");
    } else if (type == "image") {
        out.server = stringField(source, "server");
        if (out.server.empty()) return std::nullopt;
        const std::string mode = stringField(source, "mode");
        if (!mode.empty() && mode != "pull")
            throw BadRequest("Image source mode \"" + mode + "\" is not supported (only \"pull\")");
        out.protocol = stringField(source, "protocol");
        if (out.protocol.empty()) out.protocol = "lxd";
        if (out.protocol != "lxd" && out.protocol != "simplestreams")
            throw BadRequest("Unsupported image server protocol \"" + out.protocol + "\"");
        // As upstream, "fingerprint" may hold an alias too (lxc image copy sends the name it
        // was given there): the server is asked for an alias of that name first.
        out.alias = stringField(source, "alias");
        if (out.alias.empty()) out.alias = stringField(source, "fingerprint");
        if (out.alias.empty()) throw BadRequest("No image specified: give a fingerprint or an alias");
    } else {
        return std::nullopt;
    }
    out.certificate = stringField(source, "certificate");
    out.secret = stringField(source, "secret");
    Poco::URI uri;
    try {
        uri = Poco::URI(out.server);
    } catch (const Poco::Exception&) {
        throw BadRequest("Invalid image server URL \"" + out.server + "\"");
    }
    if (uri.getScheme() != "https" || uri.getHost().empty())
        throw BadRequest("Only HTTPS image servers are supported, not \"" + out.server + "\"");
    return out;
}

RemoteImages::Download RemoteImages::locate(const RemoteImageSource& source) {
    Download d;
    if (source.protocol == "direct") {
        // The URL answers a HEAD with the image's hash and where to get it (spec "File on a
        // remote web server"). The hash becomes a file name later: it must be one.
        const auto head = tls::httpsFetch("HEAD", source.server, source.certificate,
                                          {{"LXD-Server-Architectures", util::hostArchitecture()},
                                           {"LXD-Server-Version", "5.0.2"}},
                                          [](const char*, size_t) {});
        if (head.status != 200)
            throw BadRequest("The image URL \"" + source.server + "\" answered HTTP status " + std::to_string(head.status));
        auto header = [&](const char* name) {
            auto it = head.headers.find(name);
            return it == head.headers.end() ? std::string() : it->second;
        };
        d.fingerprint = header("lxd-image-hash");
        d.url = header("lxd-image-url");
        if (d.fingerprint.empty()) throw BadRequest("Missing LXD-Image-Hash header");
        if (!isSha256(d.fingerprint)) throw BadRequest("Invalid LXD-Image-Hash header (not a SHA-256 in hex)");
        if (d.url.empty()) throw BadRequest("Missing LXD-Image-URL header");
        d.filename = displayName(d.url);
        return d;
    }
    const std::string base = withoutTrailingSlash(source.server);
    if (source.protocol == "simplestreams") {
        std::vector<images::StreamImage> found;
        const auto index = fetchJson(base + "/streams/v1/index.json", source.certificate);
        for (const auto& path : images::streamProductPaths(index)) {
            auto more = images::streamImages(fetchJson(base + "/" + path, source.certificate));
            found.insert(found.end(), more.begin(), more.end());
        }
        const std::string& ref = source.alias;
        auto img = images::findStreamImage(found, ref, util::hostArchitecture());
        if (!img) throw NotFound("Image \"" + ref + "\" not found on \"" + source.server + "\"");
        d.fingerprint = img->fingerprint;
        d.url = base + "/" + img->meta.path;
        d.streamFiles.emplace_back(d.url, img->meta);
        if (img->rootfs) d.streamFiles.emplace_back(base + "/" + img->rootfs->path, *img->rootfs);
        d.filename = displayName(d.url);
        for (const auto& [k, v] : img->properties) d.properties[k] = v;
        return d;
    }
    const std::string query = source.secret.empty() ? "" : "?secret=" + encoded(source.secret);
    std::string ref = source.alias;
    try {
        ref = stringField(fetchLxd(base + "/1.0/images/aliases/" + encoded(source.alias), source.certificate), "target");
    } catch (const ApiError& e) {
        if (e.status() != 404) throw;  // no such alias: a fingerprint, or a prefix of one
    }
    if (ref.empty() || ref.size() > 64 || !std::all_of(ref.begin(), ref.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        }))
        throw NotFound("Image \"" + source.alias + "\" not found on \"" + source.server + "\"");
    const auto info = fetchLxd(base + "/1.0/images/" + ref + query, source.certificate);
    d.fingerprint = stringField(info, "fingerprint");
    if (!isSha256(d.fingerprint) || d.fingerprint.rfind(ref, 0) != 0)
        throw BadRequest("The image server gave an invalid image fingerprint");
    d.url = base + "/1.0/images/" + d.fingerprint + "/export" + query;
    d.filename = stringField(info, "filename");
    if (d.filename.find('/') != std::string::npos) d.filename.clear();
    return d;
}

db::ImageRecord RemoteImages::fetch(const std::string& requestProject, const RemoteImageSource& source,
                                    const Download& d, const RemoteImageOptions& options, ops::Operation& op) {
    ImageDownload download(paths_.images, requestProject, ProjectPolicy(db_).diskRoom(requestProject), op);
    if (d.streamFiles.empty()) download.exportedImage(d.url, source.certificate);
    for (const auto& [url, file] : d.streamFiles) download.streamFile(url, source.certificate, file);
    ImageUpload upload;
    upload.project = imageProject(db_, requestProject);
    download.finish(upload, d.fingerprint);
    upload.filename = d.filename;
    upload.isPublic = options.isPublic;
    upload.cached = options.cached;
    upload.autoUpdate = options.autoUpdate;
    upload.properties = d.properties;
    upload.source = db::ImageSourceRecord{upload.project, upload.fingerprint, source.server, source.protocol,
                                          source.certificate, source.alias};
    return images_.import(upload);
}

db::ImageRecord RemoteImages::obtain(const std::string& requestProject, const RemoteImageSource& source,
                                     const RemoteImageOptions& options, ops::Operation& op) {
    std::lock_guard lock(mutex_);
    const std::string project = imageProject(db_, requestProject);
    // An image already downloaded for this alias is used as it is: auto_update keeps it fresh.
    if (!source.alias.empty())
        if (auto known = db::imageSourceByAlias(db_, project, source.server, source.protocol, source.alias))
            if (auto img = db_.image(project, known->fingerprint)) return *img;
    const Download d = locate(source);
    if (auto img = db_.image(project, d.fingerprint)) return *img;
    return fetch(requestProject, source, d, options, op);
}

std::optional<db::ImageRecord> RemoteImages::refresh(const db::ImageRecord& image, ops::Operation& op) {
    std::lock_guard lock(mutex_);
    const auto recorded = db::imageSource(db_, image.project, image.fingerprint);
    if (!recorded || recorded->alias.empty()) return std::nullopt;
    const RemoteImageSource source{recorded->server, recorded->protocol, recorded->certificate, "", recorded->alias};
    const Download d = locate(source);
    if (d.fingerprint == image.fingerprint) return std::nullopt;
    db::ImageRecord fresh;
    if (auto img = db_.image(image.project, d.fingerprint)) fresh = *img;
    else fresh = fetch(image.project, source, d, {image.cached, true, image.isPublic}, op);
    for (auto alias : db_.aliases(image.project)) {
        if (alias.target != image.fingerprint) continue;
        alias.target = fresh.fingerprint;
        images_.updateAlias(alias);
    }
    images_.remove(image.project, image.fingerprint);
    return fresh;
}

}  // namespace lxdp::services
