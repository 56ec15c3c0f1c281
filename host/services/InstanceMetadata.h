// An instance's image metadata (metadata.yaml) and template files, as `lxc config metadata` and
// `lxc config template` edit them before `lxc publish` (API extension container_edit_metadata).
// Every path stays inside the instance's volume: a metadata.yaml or templates/ that is a symlink
// resolves within the volume, never to a host file.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lxdp::services {

// metadata.yaml as the API's ImageMetadata (architecture, creation_date, expiry_date,
// properties, templates); all fields empty when the volume has no metadata.yaml.
nlohmann::json readInstanceMetadata(const std::string& volumePath);

// Replaces metadata.yaml with the given ImageMetadata: BadRequest when it is not one (a field of
// the wrong type, no architecture, a template file outside templates/).
void writeInstanceMetadata(const std::string& volumePath, const nlohmann::json& metadata);

// The file names in templates/.
std::vector<std::string> templateNames(const std::string& volumePath);
// A template's content: NotFound when it does not exist; BadRequest for a name that is not a
// plain file name.
std::string readTemplate(const std::string& volumePath, const std::string& name);
void writeTemplate(const std::string& volumePath, const std::string& name, const std::string& content);
void removeTemplate(const std::string& volumePath, const std::string& name);

// Largest template file accepted, as for metadata.yaml.
inline constexpr size_t kMaxTemplateBytes = 1024 * 1024;

}  // namespace lxdp::services
