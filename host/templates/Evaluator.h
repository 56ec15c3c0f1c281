// Executing a parsed template against a JSON context.
#pragma once

#include <string>

#include "templates/Ast.h"

namespace lxdp::templates {

// BadRequest when the output or the loop work exceeds the renderer's limits.
std::string evaluate(const NodeList& nodes, const Value& context);

}  // namespace lxdp::templates
