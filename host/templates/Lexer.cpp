#include "templates/Lexer.h"

#include <cctype>

#include "templates/SyntaxError.h"

namespace lxdp::templates {

namespace {

bool isSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool isDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool isIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }

class Lexer {
public:
    explicit Lexer(const std::string& src) : src_(src) {}

    std::vector<Token> run() {
        size_t textStart = 0;
        size_t i = 0;
        while ((i = src_.find('{', i)) != std::string::npos) {
            char kind = i + 1 < src_.size() ? src_[i + 1] : '\0';
            if (kind != '{' && kind != '%' && kind != '#') {
                ++i;
                continue;
            }
            bool trimBefore = i + 2 < src_.size() && src_[i + 2] == '-' && kind != '#';
            pushText(textStart, i, trimBefore);
            i = kind == '#' ? skipComment(i) : lexBlock(i, kind);
            textStart = i;
        }
        pushText(textStart, src_.size(), false);
        out_.push_back({TokenKind::End, "", src_.size()});
        return std::move(out_);
    }

private:
    void pushText(size_t from, size_t to, bool trimEnd) {
        if (trimStart_)
            while (from < to && isSpace(src_[from])) ++from;
        trimStart_ = false;
        if (trimEnd)
            while (to > from && isSpace(src_[to - 1])) --to;
        if (to > from) out_.push_back({TokenKind::Text, src_.substr(from, to - from), from});
    }

    size_t skipComment(size_t open) {
        size_t close = src_.find("#}", open + 2);
        if (close == std::string::npos) throwSyntaxError(src_, open, "unclosed comment '{#'");
        return close + 2;
    }

    // Lexes one {{ }} or {% %} block starting at `open`; returns the offset after it.
    size_t lexBlock(size_t open, char kind) {
        const bool isVar = kind == '{';
        out_.push_back({isVar ? TokenKind::VarOpen : TokenKind::TagOpen, "", open});
        const std::string close = isVar ? "}}" : "%}";
        size_t i = open + 2;
        if (i < src_.size() && src_[i] == '-') ++i;
        for (;;) {
            while (i < src_.size() && isSpace(src_[i])) ++i;
            if (i >= src_.size()) throwSyntaxError(src_, open, std::string("unclosed '") + "{" + kind + "'");
            if (src_.compare(i, 2, close) == 0 || (src_[i] == '-' && src_.compare(i + 1, 2, close) == 0)) {
                trimStart_ = src_[i] == '-';
                size_t end = i + (trimStart_ ? 3 : 2);
                out_.push_back({isVar ? TokenKind::VarClose : TokenKind::TagClose, "", i});
                return end;
            }
            i = lexToken(i);
        }
    }

    size_t lexToken(size_t i) {
        char c = src_[i];
        if (isIdentStart(c)) {
            size_t end = i;
            while (end < src_.size() && isIdentChar(src_[end])) ++end;
            out_.push_back({TokenKind::Ident, src_.substr(i, end - i), i});
            return end;
        }
        if (isDigit(c) || (c == '-' && i + 1 < src_.size() && isDigit(src_[i + 1]))) return lexNumber(i);
        if (c == '"' || c == '\'') return lexString(i);
        static const char* const twoChar[] = {"==", "!=", "<=", ">=", "&&", "||"};
        for (const char* op : twoChar)
            if (src_.compare(i, 2, op) == 0) {
                out_.push_back({TokenKind::Symbol, op, i});
                return i + 2;
            }
        if (std::string("<>!()[].,|:").find(c) != std::string::npos) {
            out_.push_back({TokenKind::Symbol, std::string(1, c), i});
            return i + 1;
        }
        throwSyntaxError(src_, i, std::string("unexpected character '") + c + "'");
    }

    size_t lexNumber(size_t i) {
        size_t end = i + 1;
        while (end < src_.size() && isDigit(src_[end])) ++end;
        if (end + 1 < src_.size() && src_[end] == '.' && isDigit(src_[end + 1])) {
            end += 1;
            while (end < src_.size() && isDigit(src_[end])) ++end;
        }
        out_.push_back({TokenKind::Number, src_.substr(i, end - i), i});
        return end;
    }

    size_t lexString(size_t open) {
        const char quote = src_[open];
        std::string value;
        for (size_t i = open + 1; i < src_.size(); ++i) {
            char c = src_[i];
            if (c == quote) {
                out_.push_back({TokenKind::String, value, open});
                return i + 1;
            }
            if (c == '\\' && i + 1 < src_.size()) {
                char e = src_[++i];
                value += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
            } else {
                value += c;
            }
        }
        throwSyntaxError(src_, open, "unterminated string");
    }

    const std::string& src_;
    std::vector<Token> out_;
    bool trimStart_ = false;  // the previous block ended with "-}}" or "-%}"
};

}  // namespace

std::vector<Token> tokenize(const std::string& source) { return Lexer(source).run(); }

}  // namespace lxdp::templates
