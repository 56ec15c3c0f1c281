// Splitting template source into literal text and the tokens of {{ }} and {% %} blocks.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lxdp::templates {

enum class TokenKind {
    Text,      // literal output between blocks (comments and trimmed whitespace removed)
    VarOpen,   // {{
    VarClose,  // }}
    TagOpen,   // {%
    TagClose,  // %}
    Ident,
    String,    // text holds the unescaped value
    Number,
    Symbol,    // == != <= >= && || < > ! ( ) [ ] . , | :
    End,
};

struct Token {
    TokenKind kind;
    std::string text;
    size_t pos;  // offset in the source, for error messages
};

// The whole template as tokens, ending with End. Syntax errors throw BadRequest.
std::vector<Token> tokenize(const std::string& source);

}  // namespace lxdp::templates
