// JSON documents written as YAML the way Go's yaml.v2 reads them back: strings that would
// resolve to another type (true, null, 0755, 1e3) are quoted, everything else stays plain.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lxdp::util {

std::string jsonToYaml(const nlohmann::json& doc);

}  // namespace lxdp::util
