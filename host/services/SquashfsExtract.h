// Unpacks the squashfs rootfs of a split image into a new volume.
#pragma once

#include <string>

namespace lxdp::ops { class Operation; }

namespace lxdp::services {

// Extracts the squashfs file (its superblock checked already, images::checkSquashfs) into
// destDir, which must not exist yet: it is made here, inside an existing parent. Owners, modes,
// xattrs, symlinks and device nodes are kept as stored. BadRequest with unsquashfs's reason when
// the filesystem is damaged; the operation's cancellation stops it. On failure destDir may hold
// part of the tree: the caller discards the volume.
void extractSquashfs(const std::string& file, const std::string& destDir, ops::Operation& op);

}  // namespace lxdp::services
