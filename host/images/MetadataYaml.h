// Parsing the text of an image's metadata.yaml into ImageMetadata.
#pragma once

#include <cstddef>
#include <string>

#include "images/ImageArchive.h"

namespace lxdp::images {

// Largest metadata.yaml accepted; real ones are a few KiB.
inline constexpr size_t kMaxMetadataBytes = 1024 * 1024;

// BadRequest when the text is larger than kMaxMetadataBytes, is not YAML, nests deeper than a
// metadata file ever needs, uses aliases (the "billion laughs" amplification), has fields of
// the wrong shape, lacks the architecture, or names template paths with "..".
// hasRootfs is left false: it is a property of the tarball, not of this file.
ImageMetadata parseImageMetadata(const std::string& yamlText);

}  // namespace lxdp::images
