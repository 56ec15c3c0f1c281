// Turning template source into the tree of Ast.h, rejecting anything outside the supported
// subset (see Template.h) at parse time rather than at render time.
#pragma once

#include <string>

#include "templates/Ast.h"

namespace lxdp::templates {

// BadRequest with line and column for syntax errors, unknown tags, filters or functions, and
// nesting deeper than the parser allows.
NodeList parse(const std::string& source);

}  // namespace lxdp::templates
