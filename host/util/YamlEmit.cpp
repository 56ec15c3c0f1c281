#include "util/YamlEmit.h"

#include <yaml-cpp/yaml.h>

#include <regex>

namespace lxdp::util {

namespace {

// YAML 1.1 resolves these plain scalars to booleans, nulls or numbers; a config value such as
// "true" or "1000000" must stay a string for map[string]string fields.
bool needsQuotes(const std::string& s) {
    static const std::regex typed(
        "|~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
        "|[-+]?(\\.[0-9]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?"
        "|[-+]?0x[0-9a-fA-F_]+|[-+]?0b[01_]+|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)"
        "|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?");
    return std::regex_match(s, typed);
}

void emit(YAML::Emitter& out, const nlohmann::json& j) {
    switch (j.type()) {
    case nlohmann::json::value_t::object:
        out << YAML::BeginMap;
        for (auto it = j.begin(); it != j.end(); ++it) {
            out << YAML::Key << it.key() << YAML::Value;
            emit(out, it.value());
        }
        out << YAML::EndMap;
        break;
    case nlohmann::json::value_t::array:
        out << YAML::BeginSeq;
        for (const auto& v : j) emit(out, v);
        out << YAML::EndSeq;
        break;
    case nlohmann::json::value_t::string: {
        const auto& s = j.get_ref<const std::string&>();
        if (needsQuotes(s)) out << YAML::DoubleQuoted;
        out << s;
        break;
    }
    case nlohmann::json::value_t::boolean: out << j.get<bool>(); break;
    case nlohmann::json::value_t::null: out << YAML::Null; break;
    default: out << j.dump(); break;  // numbers, in JSON's spelling which YAML shares
    }
}

}  // namespace

std::string jsonToYaml(const nlohmann::json& doc) {
    YAML::Emitter out;
    emit(out, doc);
    return std::string(out.c_str()) + "\n";
}

}  // namespace lxdp::util
