// YAML from outside (preseed, backup index.yaml and backup.yaml, metadata.yaml): the size, depth
// and alias limits of loadYamlSafely, then the conversion every caller applies.
#include <cstddef>
#include <cstdint>
#include <string>

#include "util/ApiError.h"
#include "util/SafeYaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto node = lxdp::util::loadYamlSafely(std::string(reinterpret_cast<const char*>(data), size), "input");
        lxdp::util::yamlToJson(node).dump();
    } catch (const lxdp::ApiError&) {
    } catch (const YAML::Exception&) {  // a converter on a shape the caller then refuses
    }
    return 0;
}
