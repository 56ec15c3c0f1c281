// Squashfs rootfs files of split images (images.linuxcontainers.org's rootfs.squashfs): told
// apart from tarballs by their magic, and their superblock checked before unsquashfs reads them,
// so that a truncated file or one whose size and table offsets point past its end is refused at
// import with a reason instead of failing later, at a launch.
#pragma once

#include <string>

namespace lxdp::images {

// Whether the file begins with the squashfs magic ("hsqs", little-endian squashfs 4).
bool isSquashfs(const std::string& path);

// BadRequest naming what is wrong unless the file holds a squashfs 4.0 superblock whose block
// size, compressor and table offsets are valid and whose filesystem lies within the file.
void checkSquashfs(const std::string& path);

}  // namespace lxdp::images
