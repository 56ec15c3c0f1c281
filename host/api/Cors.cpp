#include "api/Cors.h"

#include <Poco/Net/HTTPServerResponse.h>

#include "api/Request.h"
#include "config/Validators.h"

namespace lxdp::api {

namespace {
std::string valueOf(const std::map<std::string, std::string>& config, const std::string& key) {
    const auto it = config.find(key);
    return it == config.end() ? std::string() : it->second;
}
}  // namespace

void setCorsHeaders(const std::map<std::string, std::string>& config, Request& request) {
    auto& response = request.response();
    const bool fromBrowser = !request.header("Origin").empty();
    const std::pair<const char*, const char*> byOrigin[] = {
        {"core.https_allowed_origin", "Access-Control-Allow-Origin"},
        {"core.https_allowed_methods", "Access-Control-Allow-Methods"},
        {"core.https_allowed_headers", "Access-Control-Allow-Headers"}};
    for (const auto& [key, header] : byOrigin) {
        const std::string value = valueOf(config, key);
        if (fromBrowser && !value.empty()) response.set(header, value);
    }
    if (config::isTrue(valueOf(config, "core.https_allowed_credentials")))
        response.set("Access-Control-Allow-Credentials", "true");
}

}  // namespace lxdp::api
