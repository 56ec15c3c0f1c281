// Reporting template syntax errors with a human position.
#pragma once

#include <cstddef>
#include <string>

namespace lxdp::templates {

// Throws BadRequest("Template syntax error at line L, column C: what").
[[noreturn]] void throwSyntaxError(const std::string& source, size_t offset, const std::string& what);

}  // namespace lxdp::templates
