// YAML from outside (image metadata, backup indexes, preseeds) parsed with the limits yaml-cpp
// lacks: a size cap, a nesting cap, and no aliases (the "billion laughs" amplification).
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace lxdp::util {

// Parses text; BadRequest naming `what` when it is too large, nests deeper than maxDepth, uses
// an alias, or is not YAML.
YAML::Node loadYamlSafely(const std::string& text, const std::string& what, int maxDepth = 32,
                          size_t maxBytes = 1024 * 1024);

// The node as JSON with every scalar a string (LXD's config maps are strings throughout).
nlohmann::json yamlToJson(const YAML::Node& node);

}  // namespace lxdp::util
