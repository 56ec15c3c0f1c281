#include "images/SimpleStreams.h"

#include <algorithm>
#include <map>

#include "util/ApiError.h"

namespace lxdp::images {

namespace {

// Debian's architecture names (what simplestreams uses) to the kernel's (what LXD reports).
std::string kernelArchitecture(const std::string& arch) {
    static const std::map<std::string, std::string> names = {
        {"amd64", "x86_64"}, {"i386", "i686"},     {"arm64", "aarch64"}, {"armhf", "armv7l"},
        {"armel", "armv6l"}, {"ppc64el", "ppc64le"}, {"s390x", "s390x"},  {"riscv64", "riscv64"}};
    auto it = names.find(arch);
    return it == names.end() ? arch : it->second;
}

bool safeRelativePath(const std::string& path) {
    if (path.empty() || path.front() == '/' || path.find('\\') != std::string::npos) return false;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t end = std::min(path.find('/', start), path.size());
        const std::string part = path.substr(start, end - start);
        if (part == ".." || part == ".") return false;
        start = end + 1;
    }
    return path.find("://") == std::string::npos && path.find('?') == std::string::npos;
}

bool isSha256(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::optional<StreamFile> fileOf(const nlohmann::json& item) {
    if (!item.is_object()) return std::nullopt;
    StreamFile f;
    f.path = item.value("path", "");
    f.sha256 = item.value("sha256", "");
    f.size = item.contains("size") && item["size"].is_number_integer() ? item["size"].get<int64_t>() : 0;
    if (!safeRelativePath(f.path) || !isSha256(f.sha256)) return std::nullopt;
    return f;
}

std::string text(const nlohmann::json& o, const char* key) {
    return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : "";
}

}  // namespace

std::vector<std::string> streamProductPaths(const nlohmann::json& index) {
    if (!index.is_object() || !index.contains("index") || !index["index"].is_object())
        throw BadRequest("The simplestreams index has no \"index\"");
    std::vector<std::string> out;
    for (const auto& [name, entry] : index["index"].items()) {
        if (!entry.is_object() || text(entry, "datatype") != "image-downloads") continue;
        const std::string path = text(entry, "path");
        if (!safeRelativePath(path)) throw BadRequest("The simplestreams index names a bad path \"" + path + "\"");
        out.push_back(path);
    }
    return out;
}

std::vector<StreamImage> streamImages(const nlohmann::json& products) {
    std::vector<StreamImage> out;
    if (!products.is_object() || !products.contains("products") || !products["products"].is_object()) return out;
    for (const auto& [productName, product] : products["products"].items()) {
        if (!product.is_object() || !product.contains("versions") || !product["versions"].is_object()) continue;
        std::vector<std::string> aliases;
        const std::string list = text(product, "aliases");
        for (size_t start = 0; start < list.size();) {
            const size_t end = std::min(list.find(',', start), list.size());
            if (end > start) aliases.push_back(list.substr(start, end - start));
            start = end + 1;
        }
        for (const auto& [versionName, version] : product["versions"].items()) {
            if (!version.is_object() || !version.contains("items") || !version["items"].is_object()) continue;
            StreamImage img;
            img.architecture = kernelArchitecture(text(product, "arch"));
            img.aliases = aliases;
            img.created = versionName;
            img.description = text(product, "os") + " " + text(product, "release_title") + " " + text(product, "arch") +
                              " (" + versionName + ")";
            for (const char* key : {"os", "release", "version", "architecture"})
                if (!text(product, key).empty()) img.properties.emplace_back(key, text(product, key));
            img.properties.emplace_back("serial", versionName);
            img.properties.emplace_back("description", img.description);
            const auto& items = version["items"];
            // As upstream, each pairing of a version's files is an image of its own; a unified
            // one comes first, then squashfs before root.tar.xz: the first of a version is the
            // one its aliases name (upstream's order of preference).
            for (const auto& [itemName, item] : items.items()) {
                if (text(item, "ftype") != "lxd_combined.tar.gz") continue;
                if (auto f = fileOf(item)) {
                    img.meta = *f;
                    img.fingerprint = f->sha256;
                    out.push_back(img);
                }
            }
            for (const std::string rootType : {"squashfs", "root.tar.xz"}) {
                for (const auto& [itemName, item] : items.items()) {
                    if (text(item, "ftype") != "lxd.tar.xz") continue;
                    auto meta = fileOf(item);
                    // Upstream's fields for the fingerprint of each pairing.
                    std::string fp = text(item, rootType == "squashfs" ? "combined_squashfs_sha256" : "combined_rootxz_sha256");
                    if (fp.empty() && rootType == "root.tar.xz") fp = text(item, "combined_sha256");
                    if (!meta || !isSha256(fp)) continue;
                    for (const auto& [rootName, root] : items.items()) {
                        if (text(root, "ftype") != rootType) continue;
                        auto rootfs = fileOf(root);
                        if (!rootfs) continue;
                        img.meta = *meta;
                        img.rootfs = *rootfs;
                        img.rootfsType = rootType;
                        img.fingerprint = fp;
                        out.push_back(img);
                    }
                }
            }
        }
    }
    return out;
}

std::optional<StreamImage> findStreamImage(const std::vector<StreamImage>& images, const std::string& ref,
                                           const std::string& architecture) {
    std::optional<StreamImage> best;
    auto newer = [&](const StreamImage& img) { return !best || img.created > best->created; };
    for (const auto& img : images) {
        for (const auto& alias : img.aliases) {
            if ((ref == alias && img.architecture == architecture) || ref == alias + "/" + img.architecture) {
                if (newer(img)) best = img;
            }
        }
    }
    if (best) return best;
    if (ref.size() < 12) return std::nullopt;
    for (const auto& img : images)
        if (img.fingerprint.rfind(ref, 0) == 0 && newer(img)) best = img;
    return best;
}

}  // namespace lxdp::images
