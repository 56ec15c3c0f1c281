#include "api/JsonBody.h"

#include "util/ApiError.h"

namespace lxdp::api {

std::string readJsonBody(std::istream& in) {
    std::string text;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<size_t>(in.gcount()));
        if (text.size() > kMaxJsonBodyBytes)
            throw ApiError(413, "Request body too large: JSON bodies are limited to " +
                                    std::to_string(kMaxJsonBodyBytes / (1024 * 1024)) + " MiB");
    }
    return text;
}

nlohmann::json parseJsonBody(const std::string& text) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
    try {
        // The depth is checked while parsing, before a deep tree exists.
        return nlohmann::json::parse(text, [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
            if (depth > kMaxJsonDepth) throw BadRequest("Invalid JSON in request body: nested too deeply");
            return true;
        });
    } catch (const nlohmann::json::exception& e) {
        throw BadRequest(std::string("Invalid JSON in request body: ") + e.what());
    }
}

}  // namespace lxdp::api
