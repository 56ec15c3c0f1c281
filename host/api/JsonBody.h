// Decoding a JSON request body with the limits the REST API sets on every JSON endpoint.
#pragma once

#include <cstddef>
#include <istream>
#include <string>

#include <nlohmann/json.hpp>

namespace lxdp::api {

// Largest JSON body accepted (documented in the README). No API object comes near it; past it a
// body is an attack or a mistake. Uploads (images, backups) are streamed to files, not capped here.
inline constexpr size_t kMaxJsonBodyBytes = 16 * 1024 * 1024;
// Deepest nesting accepted: API objects nest a few levels; the cap keeps the parser's stack bounded.
inline constexpr int kMaxJsonDepth = 64;

// The whole body, ApiError 413 as soon as it grows past kMaxJsonBodyBytes.
std::string readJsonBody(std::istream& in);

// The body as JSON: an empty object for an empty or blank body; BadRequest when it is not JSON
// or nests deeper than kMaxJsonDepth.
nlohmann::json parseJsonBody(const std::string& text);

}  // namespace lxdp::api
