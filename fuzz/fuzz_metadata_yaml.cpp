// An image's metadata.yaml as parsed at import.
#include <cstddef>
#include <cstdint>
#include <string>

#include "images/ImageArchive.h"
#include "images/MetadataYaml.h"
#include "util/ApiError.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        lxdp::images::parseImageMetadata(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const lxdp::ApiError&) {
    }
    return 0;
}
