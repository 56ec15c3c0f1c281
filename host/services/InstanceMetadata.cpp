#include "services/InstanceMetadata.h"

#include <stdexcept>

#include "images/MetadataYaml.h"
#include "util/ApiError.h"
#include "util/ConfinedFile.h"
#include "util/YamlEmit.h"

namespace lxdp::services {

namespace {

// Template names come from the request's ?path=: one entry of templates/, nothing else.
void checkTemplateName(const std::string& name) {
    if (name.empty()) throw BadRequest("A template path is required");
    if (name == "." || name == ".." || name.find('/') != std::string::npos || name.find('\0') != std::string::npos)
        throw BadRequest("Invalid template name \"" + name + "\": path escapes the templates directory");
}

// Filesystem failures of the confined helpers, as the API reports them.
template <class Fn>
auto confined(Fn&& fn) {
    try {
        return fn();
    } catch (const ApiError&) {
        throw;
    } catch (const std::exception& e) {
        throw InternalError(e.what());
    }
}

}  // namespace

nlohmann::json readInstanceMetadata(const std::string& volumePath) {
    auto text = confined([&] { return util::readFileInRoot(volumePath, "metadata.yaml", images::kMaxMetadataBytes); });
    images::ImageMetadata md;
    if (text) md = images::parseImageMetadata(*text);
    nlohmann::json templates = nlohmann::json::object();
    for (const auto& [path, tpl] : md.templates)
        templates[path] = {{"when", tpl.when},
                           {"create_only", tpl.createOnly},
                           {"template", tpl.templateFile},
                           {"properties", tpl.properties}};
    return {{"architecture", md.architecture},
            {"creation_date", md.creationDate},
            {"expiry_date", md.expiryDate},
            {"properties", md.properties},
            {"templates", templates}};
}

void writeInstanceMetadata(const std::string& volumePath, const nlohmann::json& metadata) {
    if (!metadata.is_object()) throw BadRequest("The metadata must be an object");
    const std::string yaml = util::jsonToYaml(metadata);
    images::parseImageMetadata(yaml);  // what an image of this instance would carry must be valid
    confined([&] { util::replaceFileInRoot(volumePath, ".", "metadata.yaml", yaml, 0644); });
}

std::vector<std::string> templateNames(const std::string& volumePath) {
    return confined([&] { return util::listDirInRoot(volumePath, "templates"); });
}

std::string readTemplate(const std::string& volumePath, const std::string& name) {
    checkTemplateName(name);
    auto text = confined([&] { return util::readFileInRoot(volumePath, "templates/" + name, kMaxTemplateBytes); });
    if (!text) throw NotFound("Template \"" + name + "\" not found");
    return *text;
}

void writeTemplate(const std::string& volumePath, const std::string& name, const std::string& content) {
    checkTemplateName(name);
    if (content.size() > kMaxTemplateBytes) throw BadRequest("The template is larger than 1 MiB");
    confined([&] { util::replaceFileInRoot(volumePath, "templates", name, content, 0644); });
}

void removeTemplate(const std::string& volumePath, const std::string& name) {
    checkTemplateName(name);
    if (!confined([&] { return util::removeFileInRoot(volumePath, "templates", name); }))
        throw NotFound("Template \"" + name + "\" not found");
}

}  // namespace lxdp::services
