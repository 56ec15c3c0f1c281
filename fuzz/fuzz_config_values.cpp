// Config keys and values ("key=value" inputs) through the instance, server and project tables,
// and the size parsers behind limits.* and size=.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/InstanceConfig.h"
#include "config/ProjectConfig.h"
#include "config/ServerConfig.h"
#include "config/Validators.h"
#include "util/ApiError.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    const auto eq = input.find('=');
    const std::string key = eq == std::string::npos ? input : input.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : input.substr(eq + 1);
    using namespace lxdp::config;
    auto attempt = [](auto&& call) {
        try {
            call();
        } catch (const lxdp::ApiError&) {
        } catch (const InvalidValue&) {  // the parsers' refusal, which checkValue turns into a 400
        }
    };
    attempt([&] { validateInstanceKey(key, value); });
    attempt([&] { validateInstanceKey(key, value, true); });
    attempt([&] { validateServerKey(key, value); });
    attempt([&] { validateProjectConfig({{key, value}}); });
    attempt([&] { parseByteSize(value); });
    attempt([&] { parseBitSize(value); });
    attempt([&] { parseInt64(value); });
    attempt([&] { parseUint(value, 255); });
    return 0;
}
