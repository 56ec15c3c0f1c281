// Custom block volumes on filesystem pools, as upstream lays them out: the volume is a directory
// (a btrfs subvolume) holding one raw disk image, root.img, sparse at its full size.
#pragma once

#include <cstdint>
#include <string>

#include <lxdp/storage.h>

namespace lxdp_dir {

// "1GiB", "500MB", "1073741824": upstream's byte sizes (decimal kB..EB, binary KiB..EiB).
uint64_t parseSize(const std::string& text);

// The image of the block volume whose directory is volumeDir.
std::string blockFile(const std::string& volumeDir);

// Creates the empty image in volumeDir; with noCow, marks it nodatacow first (btrfs: a disk
// image rewritten in place would fragment under copy-on-write).
void createBlockFile(const std::string& volumeDir, bool noCow);

// Sets the image's size to size ("" or "0": the default, 10GiB as upstream's). Growing keeps the
// data; a smaller size is refused with LXDP_E_STORAGE_CANNOT_SHRINK (the guest's filesystem
// would lose its end).
void resizeBlockFile(const std::string& volumeDir, const std::string& name, const std::string& size);

}  // namespace lxdp_dir
