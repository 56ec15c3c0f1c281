// REST request bodies: the capped, depth-limited JSON decoder, then the validation a create or
// update applies to the config and devices it carries.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "api/JsonBody.h"
#include "config/Devices.h"
#include "config/InstanceConfig.h"
#include "util/ApiError.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const nlohmann::json body = lxdp::api::parseJsonBody(text);
        if (!body.is_object()) return 0;
        if (body.contains("config")) {
            const auto config = body["config"].get<std::map<std::string, std::string>>();
            lxdp::config::validateInstanceConfig(config);
        }
        if (body.contains("devices")) {
            const auto devices = body["devices"].get<lxdp::config::DeviceMap>();
            lxdp::config::validateDevices(devices);
        }
    } catch (const lxdp::ApiError&) {
    } catch (const nlohmann::json::exception&) {  // a field of the wrong type: the endpoint's 400
    }
    return 0;
}
