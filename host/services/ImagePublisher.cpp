#include "services/ImagePublisher.h"

#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <mutex>

#include <yaml-cpp/yaml.h>

#include "config/Names.h"
#include "config/Validators.h"
#include "daemon/Paths.h"
#include "db/Database.h"
#include "images/ArchiveWriter.h"
#include "images/MetadataYaml.h"
#include "ops/Operation.h"
#include "services/ImageService.h"
#include "services/InstanceService.h"
#include "services/ProjectFeatures.h"
#include "util/ApiError.h"
#include "util/ConfinedFile.h"
#include "util/Hash.h"
#include "util/Random.h"
#include "util/SafeYaml.h"

namespace lxdp::services {

namespace {

// One range of volatile.last_state.idmap (upstream's JSON: Isuid, Isgid, Hostid, Nsid, Maprange).
struct IdRange {
    bool uid = false, gid = false;
    int64_t host = 0, ns = 0, range = 0;
};

std::vector<IdRange> diskIdmap(const db::StringMap& config) {
    std::vector<IdRange> out;
    auto it = config.find("volatile.last_state.idmap");
    if (it == config.end() || it->second.empty()) return out;  // never shifted: ids are the image's
    try {
        for (const auto& e : nlohmann::json::parse(it->second))
            out.push_back({e.value("Isuid", false), e.value("Isgid", false), e.value("Hostid", int64_t{0}),
                           e.value("Nsid", int64_t{0}), e.value("Maprange", int64_t{0})});
    } catch (const nlohmann::json::exception&) {
        throw InternalError("volatile.last_state.idmap is not a valid id map");
    }
    return out;
}

// The container's id for a host id of the volume; ids outside every range stay as they are.
int64_t toContainer(const std::vector<IdRange>& map, int64_t hostId, bool uid) {
    for (const auto& r : map)
        if ((uid ? r.uid : r.gid) && hostId >= r.host && hostId < r.host + r.range) return hostId - r.host + r.ns;
    return hostId;
}

// The instance's metadata.yaml with this publication's date and properties.
std::string metadataYaml(const std::string& volumePath, const db::InstanceRecord& rec, const db::StringMap& properties) {
    YAML::Node meta;
    if (auto text = util::readFileInRoot(volumePath, "metadata.yaml", images::kMaxMetadataBytes))
        meta = util::loadYamlSafely(*text, "metadata.yaml");
    if (!meta.IsMap()) meta = YAML::Node(YAML::NodeType::Map);
    meta["architecture"] = rec.architecture;
    meta["creation_date"] = static_cast<int64_t>(std::time(nullptr));
    meta.remove("expiry_date");
    for (const auto& [k, v] : properties) meta["properties"][k] = v;
    YAML::Emitter out;
    out << meta;
    std::string yaml = std::string(out.c_str()) + "\n";
    images::parseImageMetadata(yaml);  // what we publish must be an image we accept
    return yaml;
}

bool isDirectory(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

PublishRequest ImagePublisher::prepare(const std::string& project, const nlohmann::json& body) {
    PublishRequest req;
    req.project = project;
    req.imageProject = imageProject(db_, project);
    const auto source = body.value("source", nlohmann::json::object());
    const std::string type = source.value("type", "");
    if (type != "instance" && type != "container" && type != "snapshot")
        throw BadRequest("Image source type \"" + type + "\" is not supported: use instance, snapshot or an image upload");
    req.instance = source.value("name", "");
    if (type == "snapshot") {
        // "c1/snap0", as lxc publish c1/snap0 sends it.
        const size_t slash = req.instance.find('/');
        if (slash == std::string::npos) throw BadRequest("A snapshot source is named \"<instance>/<snapshot>\"");
        req.snapshot = req.instance.substr(slash + 1);
        req.instance.resize(slash);
        instances_.snapshot(project, req.instance, req.snapshot);
    }
    instances_.get(project, req.instance);
    req.isPublic = body.value("public", false);
    if (body.contains("properties") && !body["properties"].is_null())
        req.properties = body["properties"].get<db::StringMap>();
    if (body.contains("aliases") && body["aliases"].is_array())
        for (const auto& a : body["aliases"]) {
            db::AliasRecord alias{req.imageProject, a.value("name", ""), "", a.value("description", "")};
            config::checkImageAliasName(alias.name);
            if (db_.alias(req.imageProject, alias.name)) throw Conflict("Alias \"" + alias.name + "\" already exists");
            req.aliases.push_back(alias);
        }
    req.compression = body.value("compression_algorithm", "");
    if (req.compression.empty()) {
        auto server = db_.serverConfig();
        auto it = server.find("images.compression_algorithm");
        req.compression = it != server.end() && !it->second.empty() ? it->second : "gzip";
    }
    config::checkValue("compression_algorithm", req.compression, config::isCompressionAlgorithm);
    if (!images::isWritableCompression(req.compression))
        throw BadRequest("Compression algorithm \"" + req.compression + "\" is not supported for images");
    return req;
}

db::ImageRecord ImagePublisher::publish(const PublishRequest& req, ops::Operation& op) {
    ImageUpload upload;
    upload.project = req.imageProject;
    upload.isPublic = req.isPublic;
    upload.path = paths_.images + "/upload-publish-" + util::randomSecret().substr(0, 16);
    {
        // Held until the tarball is complete, so the instance cannot start under it.
        auto guard = instances_.lock(req.project, req.instance);
        std::lock_guard held(*guard);
        auto rec = instances_.get(req.project, req.instance);
        std::string volumePath;
        if (req.snapshot.empty()) {
            if (instances_.isRunning(rec)) throw BadRequest("The instance is running: stop it before publishing");
            volumePath = instances_.ref(rec).volumePath;
        } else {
            // The snapshot's data is shifted as its own config says, and its architecture is its own.
            const auto snap = instances_.snapshot(req.project, req.instance, req.snapshot);
            rec.config = snap.config;
            rec.architecture = snap.architecture;
            volumePath = instances_.snapshotPath(rec, req.snapshot);
        }
        const auto idmap = diskIdmap(rec.config);
        // Images hold the container's ids; the volume holds them shifted by the idmap.
        images::EntryAdjust unshift = [&](archive_entry* e) {
            archive_entry_set_uid(e, toContainer(idmap, archive_entry_uid(e), true));
            archive_entry_set_gid(e, toContainer(idmap, archive_entry_gid(e), false));
        };
        auto cancelled = [&] { return op.cancelled(); };
        images::ArchiveWriter writer(upload.path, req.compression);
        writer.addFile("metadata.yaml", metadataYaml(volumePath, rec, req.properties));
        if (isDirectory(volumePath + "/templates")) writer.addTree(volumePath + "/templates", "templates", unshift, cancelled);
        if (!isDirectory(volumePath + "/rootfs")) throw BadRequest("The instance volume has no rootfs");
        writer.addTree(volumePath + "/rootfs", "rootfs", unshift, cancelled);
        writer.finish();
    }

    try {
        util::Sha256 hash;
        std::ifstream in(upload.path, std::ios::binary);
        char buf[1 << 16];
        while (in.read(buf, sizeof buf) || in.gcount() > 0) {
            hash.update(buf, static_cast<size_t>(in.gcount()));
            upload.size += in.gcount();
        }
        upload.fingerprint = hash.hex();
    } catch (...) {
        ::unlink(upload.path.c_str());
        throw;
    }
    auto image = images_.import(upload);  // consumes the file, also on failure
    for (auto alias : req.aliases) {
        alias.target = image.fingerprint;
        images_.createAlias(alias);
    }
    return image;
}

}  // namespace lxdp::services
