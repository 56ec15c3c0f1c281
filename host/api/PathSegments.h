// A request path cut into the segments routes are matched against.
#pragma once

#include <string>
#include <vector>

namespace lxdp::api {

// Splits "/1.0/instances/c1" into its segments, URL-decoding each, so an encoded '/' stays
// inside its segment. Empty segments ("//", a trailing '/') are dropped.
std::vector<std::string> splitPath(const std::string& path);

}  // namespace lxdp::api
