// The simplestreams image index (streams/v1/index.json and its products files), read as
// upstream's shared/simplestreams does: an image is a version's lxd_combined.tar.gz item alone
// (a unified image), or its lxd.tar.xz metadata with a squashfs / root.tar.xz rootfs (a split
// image). Paths and hashes come from a remote server: nothing here touches files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lxdp::images {

struct StreamFile {
    std::string path;    // relative to the server's URL
    std::string sha256;  // of the file
    int64_t size = 0;
};

struct StreamImage {
    std::string fingerprint;  // of the image: sha256 of the unified file, or of meta + rootfs
    std::string architecture;  // the kernel's name (x86_64), as LXD reports it
    std::vector<std::string> aliases;
    std::string created;       // the version's name (YYYYMMDD_hh:mm)
    StreamFile meta;           // the unified tarball, or the metadata half
    std::optional<StreamFile> rootfs;
    std::string rootfsType;    // "root.tar.xz" or "squashfs" for a split image
    std::string description;
    std::vector<std::pair<std::string, std::string>> properties;
};

// The products files the index lists for image downloads. BadRequest for an index that is not
// one, or a path that leaves the server's tree.
std::vector<std::string> streamProductPaths(const nlohmann::json& index);

// Every image of a products file, in file order: as upstream, each pairing of a version's files
// (a unified file; metadata with a squashfs, then with a root.tar.xz rootfs) is an image of its
// own, the first of a version being the one its aliases name. Versions without a usable item
// are skipped.
std::vector<StreamImage> streamImages(const nlohmann::json& products);

// The newest image for the architecture named by alias ("alias" or "alias/<arch>"), or by a
// fingerprint or a prefix of one (of any architecture).
std::optional<StreamImage> findStreamImage(const std::vector<StreamImage>& images, const std::string& aliasOrFingerprint,
                                           const std::string& architecture);

}  // namespace lxdp::images
