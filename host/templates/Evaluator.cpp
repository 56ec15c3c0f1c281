#include "templates/Evaluator.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <utility>
#include <vector>

#include "util/ApiError.h"
#include "util/GoTimeLayout.h"
#include "util/Time.h"

namespace lxdp::templates {

namespace {

// Image templates produce small config files; these stop nested loops from multiplying.
constexpr size_t kMaxOutputBytes = 16 * 1024 * 1024;
constexpr size_t kMaxLoopIterations = 1000000;

bool truthy(const Value& v) {
    switch (v.type()) {
        case Value::value_t::null: return false;
        case Value::value_t::boolean: return v.get<bool>();
        case Value::value_t::number_integer: return v.get<int64_t>() != 0;
        case Value::value_t::number_unsigned: return v.get<uint64_t>() != 0;
        case Value::value_t::number_float: return v.get<double>() != 0.0;
        case Value::value_t::string: return !v.get_ref<const std::string&>().empty();
        case Value::value_t::array:
        case Value::value_t::object: return !v.empty();  // json::empty() is false for any string
        default: return false;
    }
}

// How pongo2 prints a value.
std::string display(const Value& v) {
    switch (v.type()) {
        case Value::value_t::null: return "";
        case Value::value_t::string: return v.get<std::string>();
        case Value::value_t::boolean: return v.get<bool>() ? "True" : "False";
        case Value::value_t::number_integer: return std::to_string(v.get<int64_t>());
        case Value::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
        case Value::value_t::number_float: {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%f", v.get<double>());
            return buf;
        }
        default: return v.dump();
    }
}

// pongo2's date filter on an RFC 3339 timestamp (how callers pass times), in local time with a
// Go layout; anything else is not a time and renders as "".
std::string formatDate(const Value& v, const std::string& layout) {
    if (!v.is_string()) return "";
    const auto seconds = util::parseRfc3339(v.get<std::string>());
    if (!seconds) return "";
    const time_t t = static_cast<time_t>(*seconds);
    std::tm tm{};
    localtime_r(&t, &tm);
    return util::formatGoLayout(tm, layout);
}

std::string escapeHtml(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string mapChars(std::string s, int (*f)(int)) {
    for (char& c : s) c = static_cast<char>(f(static_cast<unsigned char>(c)));
    return s;
}

bool equal(const Value& a, const Value& b) {
    if (a.is_number() && b.is_number()) {
        if (a.is_number_float() || b.is_number_float()) return a.get<double>() == b.get<double>();
        return a == b;
    }
    return a == b;
}

// Ordering is defined between numbers and between strings; anything else compares false.
bool less(const Value& a, const Value& b) {
    if (a.is_number() && b.is_number()) return a.get<double>() < b.get<double>();
    if (a.is_string() && b.is_string()) return a.get<std::string>() < b.get<std::string>();
    return false;
}

bool contains(const Value& haystack, const Value& needle) {
    if (haystack.is_string()) return haystack.get<std::string>().find(display(needle)) != std::string::npos;
    if (haystack.is_object()) return needle.is_string() && haystack.contains(needle.get<std::string>());
    if (haystack.is_array())
        for (const Value& item : haystack)
            if (equal(item, needle)) return true;
    return false;
}

class Evaluator {
public:
    explicit Evaluator(const Value& context) : context_(context) {}

    void exec(const NodeList& nodes, std::string& out) {
        for (const Node& n : nodes) {
            switch (n.kind) {
                case Node::Kind::Text: append(out, n.text); break;
                case Node::Kind::Output: append(out, display(eval(*n.expr))); break;
                case Node::Kind::If:
                    for (const Branch& b : n.branches) {
                        if (!b.condition || truthy(eval(*b.condition))) {
                            exec(b.body, out);
                            break;
                        }
                    }
                    break;
                case Node::Kind::For: loop(n, out); break;
            }
        }
    }

private:
    void append(std::string& out, const std::string& s) {
        if (out.size() + s.size() > kMaxOutputBytes)
            throw BadRequest("Template output exceeds " + std::to_string(kMaxOutputBytes) + " bytes");
        out += s;
    }

    // Objects iterate in key order (pongo2 sorts map keys too); "for v in obj" binds the key.
    void loop(const Node& n, std::string& out) {
        const Value items = eval(*n.expr);
        if (!items.is_array() && !items.is_object()) return;
        for (auto it = items.begin(); it != items.end(); ++it) {
            if (++iterations_ > kMaxLoopIterations) throw BadRequest("Template loops run too long");
            size_t mark = locals_.size();
            if (items.is_object()) {
                if (n.keyVar.empty()) {
                    locals_.emplace_back(n.valueVar, it.key());
                } else {
                    locals_.emplace_back(n.keyVar, it.key());
                    locals_.emplace_back(n.valueVar, it.value());
                }
            } else {
                if (!n.keyVar.empty()) locals_.emplace_back(n.keyVar, static_cast<int64_t>(it - items.begin()));
                locals_.emplace_back(n.valueVar, *it);
            }
            exec(n.body, out);
            locals_.resize(mark);
        }
    }

    Value lookup(const std::string& name) const {
        for (auto it = locals_.rbegin(); it != locals_.rend(); ++it)
            if (it->first == name) return it->second;
        if (context_.is_object() && context_.contains(name)) return context_.at(name);
        return nullptr;  // pongo2: unknown variables are empty
    }

    static Value member(const Value& v, const Value& key) {
        if (v.is_object() && key.is_string() && v.contains(key.get<std::string>())) return v.at(key.get<std::string>());
        if (v.is_array() && key.is_number_integer()) {
            int64_t i = key.get<int64_t>();
            if (i >= 0 && static_cast<size_t>(i) < v.size()) return v.at(static_cast<size_t>(i));
        }
        return nullptr;
    }

    // LXD's config_get: the instance's expanded config value without trailing newlines, or the
    // default when the key is absent.
    Value configGet(const Value& key, const Value& fallback) const {
        const Value config = lookup("config");
        const Value found = member(config, Value(display(key)));
        if (found.is_null()) return fallback;
        std::string s = display(found);
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        return s;
    }

    Value filter(const std::string& name, const Value& v, const Expr& e) {
        if (name == "default") return truthy(v) ? v : eval(*e.args[1]);
        if (name == "lower") return mapChars(display(v), ::tolower);
        if (name == "upper") return mapChars(display(v), ::toupper);
        if (name == "escape") return escapeHtml(display(v));
        if (name == "date") return formatDate(v, display(eval(*e.args[1])));
        return v;  // safe: nothing is auto-escaped (LXD renders with autoescape off)
    }

    Value eval(const Expr& e) {
        switch (e.kind) {
            case Expr::Kind::Literal: return e.value;
            case Expr::Kind::Variable: return lookup(e.name);
            case Expr::Kind::Attribute: return member(eval(*e.args[0]), Value(e.name));
            case Expr::Kind::Index: return member(eval(*e.args[0]), eval(*e.args[1]));
            case Expr::Kind::Filter: return filter(e.name, eval(*e.args[0]), e);
            case Expr::Kind::Call: return configGet(eval(*e.args[0]), eval(*e.args[1]));
            case Expr::Kind::Not: return !truthy(eval(*e.args[0]));
            case Expr::Kind::And: return truthy(eval(*e.args[0])) && truthy(eval(*e.args[1]));
            case Expr::Kind::Or: return truthy(eval(*e.args[0])) || truthy(eval(*e.args[1]));
            case Expr::Kind::Compare: return compare(e.name, eval(*e.args[0]), eval(*e.args[1]));
        }
        return nullptr;
    }

    static bool compare(const std::string& op, const Value& a, const Value& b) {
        if (op == "==") return equal(a, b);
        if (op == "!=") return !equal(a, b);
        if (op == "<") return less(a, b);
        if (op == ">") return less(b, a);
        if (op == "<=") return less(a, b) || equal(a, b);
        if (op == ">=") return less(b, a) || equal(a, b);
        return contains(b, a);  // in
    }

    const Value& context_;
    std::vector<std::pair<std::string, Value>> locals_;
    size_t iterations_ = 0;
};

}  // namespace

std::string evaluate(const NodeList& nodes, const Value& context) {
    std::string out;
    Evaluator(context).exec(nodes, out);
    return out;
}

}  // namespace lxdp::templates
