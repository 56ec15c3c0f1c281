// Cross-origin headers from core.https_allowed_origin, _methods, _headers and _credentials, as
// upstream sets them, so that a web UI served from elsewhere may call the API.
#pragma once

#include <map>
#include <string>

namespace lxdp::api {

class Request;

// Sets the headers that apply to request (a browser's request carries an Origin header).
void setCorsHeaders(const std::map<std::string, std::string>& config, Request& request);

}  // namespace lxdp::api
