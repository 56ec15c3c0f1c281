// Inspecting image files without extracting them: metadata, compression, a split image's rootfs.
#include "images/ImageArchive.h"

#include <archive.h>
#include <archive_entry.h>

#include <optional>

#include "images/ArchiveReader.h"
#include "images/MemberPath.h"
#include "images/MetadataYaml.h"
#include "images/SquashfsSuperblock.h"
#include "util/ApiError.h"

namespace lxdp::images {

ImageMetadata readImageMetadata(const std::string& tarballPath) {
    ArchiveReader reader(tarballPath);
    std::optional<std::string> yaml;
    bool hasRootfs = false;
    // The whole archive is scanned: tar semantics make the last metadata.yaml the one that
    // unpacking leaves behind, so that is the one that must be validated.
    while (archive_entry* entry = reader.next()) {
        std::string name = memberPath(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
        if (name == "rootfs" || name.starts_with("rootfs/")) {
            hasRootfs = true;
        } else if (name == "metadata.yaml") {
            if (archive_entry_filetype(entry) != AE_IFREG)
                throw BadRequest("metadata.yaml in image \"" + tarballPath + "\" is not a regular file");
            yaml = reader.readData("metadata.yaml", kMaxMetadataBytes);
        }
    }
    if (!yaml) throw BadRequest("Image \"" + tarballPath + "\" has no metadata.yaml");
    ImageMetadata md = parseImageMetadata(*yaml);
    md.hasRootfs = hasRootfs;
    return md;
}

void checkSplitRootfs(const std::string& path) {
    if (isSquashfs(path)) return checkSquashfs(path);
    compressionOf(path);
}

std::string compressionOf(const std::string& path) {
    ArchiveReader reader(path);
    // Reading the first header proves it is a tarball and not merely some compressed data.
    if (!reader.next()) throw BadRequest("Image file \"" + path + "\" is an empty archive");
    return reader.compression();
}

std::string tarballExtension(const std::string& compression) {
    if (compression == "gzip") return ".tar.gz";
    if (compression == "xz") return ".tar.xz";
    if (compression == "bzip2") return ".tar.bz2";
    if (compression == "zstd") return ".tar.zst";
    if (compression == "lzma") return ".tar.lzma";
    if (compression == "none") return ".tar";
    throw BadRequest("Unknown compression \"" + compression + "\"");
}

}  // namespace lxdp::images
