// Rendering LXD image templates (the pongo2 dialect of templates/*.tpl in images).
//
// Templates come from images, i.e. from whoever published the image, and run in the daemon.
// Upstream pongo2 offers {% include %}, {% ssi %}, {% import %}, {% extends %} and friends, which
// read host files (CVE-2026-33897: template file read/write via Incus). This renderer has no
// tag, filter or function that touches the file system or anything beyond `context`: it only
// turns text plus a JSON context into text. Keep it that way.
//
// Supported subset:
//   {{ expr }}                 output; unknown variables render as ""
//   {% if %}{% elif %}{% else %}{% endif %}, {% for x in e %} / {% for k, v in e %}{% endfor %}
//   {# comment #}, whitespace control with {{- -}} and {%- -%}
//   expressions: a.b, a["b"], a[0], "str", 'str', 12, 1.5, true/false/none, ( ), not/!,
//                and/&&, or/||, == != < > <= >= in
//   filters: default:x, lower, upper, escape (alias e), safe, date:"<Go layout>" (of an RFC 3339 string)
//   functions: config_get("key", default) as in LXD: config[key] with trailing CR/LF removed,
//                or `default` when the key is absent.
// Output and loop work are bounded, so a hostile template cannot exhaust the daemon.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace lxdp::templates {

using Value = nlohmann::json;

// context is an object such as {"trigger","path","container","instance","config","devices",
// "properties"}. Values are shown as pongo2 shows them: strings verbatim, null as "", booleans
// as True/False. LXD passes instance fields as strings ("false"), and so should callers.
// BadRequest for syntax errors (with line and column) and for exceeding the limits.
std::string render(const std::string& templateText, const Value& context);

}  // namespace lxdp::templates
