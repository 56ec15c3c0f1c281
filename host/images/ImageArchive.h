// Reading and unpacking LXD image tarballs (unified: metadata.yaml + templates/ + rootfs/; split:
// a metadata tarball and a rootfs tarball). Images come from untrusted remotes and users, so
// every entry point here treats the archive as hostile (see upstream CVE-2026-48749/48750:
// symlinked rootfs/ and templates/ in crafted images).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace lxdp::images {

// One entry of metadata.yaml "templates": the instance file it produces and when.
struct ImageTemplate {
    std::vector<std::string> when;  // triggers: create, copy, start, rename
    std::string templateFile;       // relative to the image's templates/ directory
    bool createOnly = false;        // only create a missing file, never overwrite
    std::map<std::string, std::string> properties;
};

struct ImageMetadata {
    std::string architecture;
    int64_t creationDate = 0;
    int64_t expiryDate = 0;
    std::map<std::string, std::string> properties;
    std::map<std::string, ImageTemplate> templates;  // absolute path in the instance -> template
    // Whether the tarball also holds rootfs/: true for a unified image, false for the metadata
    // half of a split image. Which one is acceptable is the caller's decision.
    bool hasRootfs = false;
};

// A split image is kept as two files: images/<fingerprint> (its metadata tarball) and beside it
// images/<fingerprint> + this suffix (its rootfs: a tarball or a squashfs), as upstream.
inline constexpr const char* kSplitRootfsSuffix = ".rootfs";

// The message of the ApiError thrown when `cancelled` reports true, so callers can tell a
// cancellation from a failure.
inline constexpr const char* kOperationCancelled = "Operation cancelled";

// Parses metadata.yaml (or ./metadata.yaml) of a tarball in any supported compression.
// BadRequest when the file is not a tarball, has members with absolute or ".." names, lacks
// metadata.yaml (or it is not a regular file), or the YAML is invalid, oversized, or lacks the
// architecture.
ImageMetadata readImageMetadata(const std::string& tarballPath);

// Checks a split image's rootfs file before it is stored: a squashfs (its superblock, see
// checkSquashfs) or a tarball (readable up to its first member). BadRequest naming the problem.
void checkSplitRootfs(const std::string& path);

// "gzip", "xz", "bzip2", "zstd", "lzma" or "none", as detected from the content (not the name).
// BadRequest when the file is not a tarball.
std::string compressionOf(const std::string& path);

// The conventional file extension of a tarball in that compression: ".tar.gz", ".tar.xz", ...
// BadRequest for an unknown compression name.
std::string tarballExtension(const std::string& compression);

// Extracts the tarball into destDir, which must exist and be empty. Numeric owners, modes,
// times, xattrs, ACLs, device nodes, symlinks and hardlinks are kept as stored. Members that
// are absolute, contain "..", or would be written through a symlink are refused with
// BadRequest; on any failure (including cancellation) destDir is emptied again, so no
// half-extracted tree stays behind. `progress` (optional) gets compressed bytes read and the
// file size; `cancelled` (optional) is polled between blocks and, when it reports true,
// extraction stops with ApiError(400, kOperationCancelled).
void unpackImage(const std::string& tarballPath, const std::string& destDir,
                 const std::function<void(uint64_t done, uint64_t total)>& progress,
                 const std::function<bool()>& cancelled);

// unpackImage for the members under `prefix` only (e.g. "backup/container" of an instance
// backup), written to destDir without the prefix; other members are skipped, and a hardlink
// from inside the prefix to a member outside it is refused with BadRequest. "" is the whole
// archive.
void unpackSubtree(const std::string& tarballPath, const std::string& prefix, const std::string& destDir,
                   const std::function<void(uint64_t done, uint64_t total)>& progress,
                   const std::function<bool()>& cancelled);

}  // namespace lxdp::images
