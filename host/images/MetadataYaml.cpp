#include "images/MetadataYaml.h"

#include <yaml-cpp/yaml.h>


#include "util/ApiError.h"
#include "util/SafeYaml.h"

namespace lxdp::images {

namespace {

// metadata.yaml is at most 4 levels deep (templates -> path -> properties -> value); leave slack.
constexpr int kMaxDepth = 16;

std::string scalar(const YAML::Node& node, const std::string& what) {
    if (node.IsNull()) return "";
    if (!node.IsScalar()) throw BadRequest("metadata.yaml: " + what + " must be a string");
    return node.Scalar();
}

int64_t integer(const YAML::Node& node, const std::string& what) {
    if (!node.IsScalar()) throw BadRequest("metadata.yaml: " + what + " must be an integer");
    try {
        return node.as<int64_t>();
    } catch (const YAML::Exception&) {
        throw BadRequest("metadata.yaml: " + what + " must be an integer, not \"" + node.Scalar() + "\"");
    }
}

std::map<std::string, std::string> stringMap(const YAML::Node& node, const std::string& what) {
    std::map<std::string, std::string> out;
    if (!node || node.IsNull()) return out;
    if (!node.IsMap()) throw BadRequest("metadata.yaml: " + what + " must be a mapping");
    for (const auto& kv : node) {
        std::string key = scalar(kv.first, what + " key");
        out[key] = scalar(kv.second, what + "." + key);
    }
    return out;
}

bool hasDotDot(const std::string& path) {
    size_t pos = 0;
    while (pos <= path.size()) {
        size_t end = path.find('/', pos);
        if (end == std::string::npos) end = path.size();
        if (path.compare(pos, end - pos, "..") == 0 && end - pos == 2) return true;
        pos = end + 1;
    }
    return false;
}

ImageTemplate parseTemplate(const std::string& path, const YAML::Node& node) {
    const std::string what = "templates." + path;
    if (path.empty() || path.front() != '/' || hasDotDot(path))
        throw BadRequest("metadata.yaml: template target \"" + path + "\" must be an absolute path without \"..\"");
    if (!node.IsMap()) throw BadRequest("metadata.yaml: " + what + " must be a mapping");
    ImageTemplate tpl;
    tpl.templateFile = node["template"] ? scalar(node["template"], what + ".template") : "";
    // The file is looked up under templates/; an escape from there is never legitimate.
    if (tpl.templateFile.empty() || tpl.templateFile.front() == '/' || hasDotDot(tpl.templateFile))
        throw BadRequest("metadata.yaml: " + what + ".template must be a relative file name without \"..\"");
    if (const YAML::Node when = node["when"]; when && !when.IsNull()) {
        if (!when.IsSequence()) throw BadRequest("metadata.yaml: " + what + ".when must be a list");
        for (const auto& trigger : when) tpl.when.push_back(scalar(trigger, what + ".when"));
    }
    if (const YAML::Node createOnly = node["create_only"]; createOnly && !createOnly.IsNull()) {
        try {
            tpl.createOnly = createOnly.as<bool>();
        } catch (const YAML::Exception&) {
            throw BadRequest("metadata.yaml: " + what + ".create_only must be a boolean");
        }
    }
    tpl.properties = stringMap(node["properties"], what + ".properties");
    return tpl;
}

}  // namespace

ImageMetadata parseImageMetadata(const std::string& yamlText) {
    const YAML::Node root = util::loadYamlSafely(yamlText, "metadata.yaml", kMaxDepth, kMaxMetadataBytes);
    if (!root.IsMap()) throw BadRequest("metadata.yaml must be a YAML mapping");

    ImageMetadata md;
    if (root["architecture"]) md.architecture = scalar(root["architecture"], "architecture");
    if (md.architecture.empty()) throw BadRequest("metadata.yaml lacks the architecture");
    if (root["creation_date"]) md.creationDate = integer(root["creation_date"], "creation_date");
    if (root["expiry_date"]) md.expiryDate = integer(root["expiry_date"], "expiry_date");
    md.properties = stringMap(root["properties"], "properties");
    if (const YAML::Node templates = root["templates"]; templates && !templates.IsNull()) {
        if (!templates.IsMap()) throw BadRequest("metadata.yaml: templates must be a mapping");
        for (const auto& kv : templates) {
            std::string path = scalar(kv.first, "template target");
            md.templates[path] = parseTemplate(path, kv.second);
        }
    }
    return md;
}

}  // namespace lxdp::images
