#include "api/Filter.h"

#include <algorithm>
#include <cctype>

#include "util/ApiError.h"

namespace lxdp::api {

namespace {

std::vector<std::string> tokenize(const std::string& text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        if (std::isspace(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        std::string token;
        if (text[i] == '"' || text[i] == '\'') {
            const char quote = text[i++];
            size_t end = text.find(quote, i);
            if (end == std::string::npos) throw BadRequest("Invalid filter: unterminated quote");
            token = text.substr(i, end - i);
            i = end + 1;
        } else {
            size_t end = i;
            while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
            token = text.substr(i, end - i);
            i = end;
        }
        out.push_back(token);
    }
    return out;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// "UpdateSource" and "update_source" name the same field: compare without case and underscores.
std::string canonical(const std::string& key) {
    std::string out;
    for (char c : key)
        if (c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

const nlohmann::json* lookup(const nlohmann::json& node, const std::vector<std::string>& parts, size_t from) {
    if (from == parts.size()) return &node;
    if (!node.is_object()) return nullptr;
    // Map keys contain dots themselves (config.image.os): try the longest key first.
    for (size_t to = parts.size(); to > from; --to) {
        std::string key = parts[from];
        for (size_t k = from + 1; k < to; ++k) key += "." + parts[k];
        for (auto it = node.begin(); it != node.end(); ++it) {
            if (it.key() == key || canonical(it.key()) == canonical(key)) {
                if (auto found = lookup(it.value(), parts, to)) return found;
            }
        }
    }
    return nullptr;
}

std::string asText(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return "";
    return v.dump();
}

}  // namespace

Filter Filter::parse(const std::string& text) {
    Filter f;
    auto tokens = tokenize(text);
    size_t i = 0;
    std::string joiner;
    while (i < tokens.size()) {
        Term t;
        t.joiner = joiner;
        if (lower(tokens[i]) == "not") {
            t.negate = true;
            ++i;
        }
        if (i + 3 > tokens.size()) throw BadRequest("Invalid filter: expected \"FIELD eq|ne VALUE\"");
        std::string field = tokens[i], op = lower(tokens[i + 1]);
        t.value = tokens[i + 2];
        if (op != "eq" && op != "ne") throw BadRequest("Invalid filter: unknown operator \"" + tokens[i + 1] + "\"");
        t.equal = op == "eq";
        size_t start = 0;
        for (size_t dot; (dot = field.find('.', start)) != std::string::npos; start = dot + 1)
            t.field.push_back(field.substr(start, dot - start));
        t.field.push_back(field.substr(start));
        f.terms_.push_back(std::move(t));
        i += 3;
        if (i < tokens.size()) {
            joiner = lower(tokens[i]);
            if (joiner != "and" && joiner != "or") throw BadRequest("Invalid filter: expected \"and\" or \"or\", not \"" + tokens[i] + "\"");
            if (++i == tokens.size()) throw BadRequest("Invalid filter: nothing after \"" + joiner + "\"");
        }
    }
    return f;
}

bool Filter::evaluate(const Term& term, const nlohmann::json& object) {
    const nlohmann::json* found = lookup(object, term.field, 0);
    bool equal = found && asText(*found) == term.value;
    bool result = term.equal ? equal : !equal;
    return term.negate ? !result : result;
}

bool Filter::matches(const nlohmann::json& object) const {
    if (terms_.empty()) return true;
    // Left associativity, as the spec says: ((a and b) or c) ...
    bool result = evaluate(terms_.front(), object);
    for (size_t i = 1; i < terms_.size(); ++i) {
        bool next = evaluate(terms_[i], object);
        result = terms_[i].joiner == "and" ? (result && next) : (result || next);
    }
    return result;
}

}  // namespace lxdp::api
