#include "templates/SyntaxError.h"

#include "util/ApiError.h"

namespace lxdp::templates {

void throwSyntaxError(const std::string& source, size_t offset, const std::string& what) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < offset && i < source.size(); ++i) {
        if (source[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    throw BadRequest("Template syntax error at line " + std::to_string(line) + ", column " + std::to_string(column) +
                     ": " + what);
}

}  // namespace lxdp::templates
