// The ?filter= language: parsing any text, then matching against an instance-shaped object.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/Filter.h"
#include "util/ApiError.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const nlohmann::json object = {
        {"name", "c1"}, {"status", "Running"}, {"type", "container"},
        {"config", {{"image.os", "busybox"}, {"user.a b", "x"}}},
        {"devices", {{"eth0", {{"type", "nic"}, {"nictype", "bridged"}}}}},
        {"profiles", {"default"}}, {"ephemeral", false}, {"size", 42}};
    try {
        const auto filter = lxdp::api::Filter::parse(std::string(reinterpret_cast<const char*>(data), size));
        filter.matches(object);
    } catch (const lxdp::ApiError&) {
    }
    return 0;
}
