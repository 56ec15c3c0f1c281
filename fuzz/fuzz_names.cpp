// The name rules of every entity, and the fingerprint prefix check.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/Names.h"
#include "util/ApiError.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string name(reinterpret_cast<const char*>(data), size);
    using namespace lxdp::config;
    for (auto check : {checkInstanceName, checkSnapshotName, checkProfileName, checkProjectName, checkPoolName,
                       checkVolumeName, checkDeviceName, checkImageAliasName}) {
        try {
            check(name);
        } catch (const lxdp::ApiError&) {
        }
    }
    isFingerprintPrefix(name);
    return 0;
}
