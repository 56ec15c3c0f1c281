#include "templates/Parser.h"

#include <algorithm>
#include <set>

#include "templates/Lexer.h"
#include "templates/SyntaxError.h"

namespace lxdp::templates {

namespace {

// Blocks and expressions are parsed recursively; this keeps hostile nesting off the stack.
constexpr int kMaxDepth = 64;
// Evaluating and destroying an expression recurses over its height, which iterative syntax such
// as "a or b or c ..." or "a.b.c..." grows without parser recursion; so it is bounded separately.
constexpr int kMaxExprHeight = 128;

class Parser {
public:
    explicit Parser(const std::string& src) : src_(src), tokens_(tokenize(src)) {}

    NodeList run() { return parseNodes({}); }

private:
    // Parses nodes until End or a tag named in `stops` (left unconsumed, positioned at its name).
    NodeList parseNodes(const std::set<std::string>& stops) {
        NodeList nodes;
        for (;;) {
            const Token& t = peek();
            if (t.kind == TokenKind::End) return nodes;
            if (t.kind == TokenKind::Text) {
                nodes.push_back(Node{.kind = Node::Kind::Text, .text = t.text});
                ++at_;
            } else if (t.kind == TokenKind::VarOpen) {
                ++at_;
                Node n{.kind = Node::Kind::Output};
                n.expr = parseExpr();
                expect(TokenKind::VarClose, "'}}'");
                nodes.push_back(std::move(n));
            } else {  // TagOpen
                const Token& name = tokens_[at_ + 1];
                if (name.kind != TokenKind::Ident) fail(name.pos, "expected a tag name");
                if (stops.count(name.text)) {
                    ++at_;
                    return nodes;
                }
                at_ += 2;
                nodes.push_back(parseTag(name));
            }
        }
    }

    Node parseTag(const Token& name) {
        Nesting guard(*this, name.pos);
        if (name.text == "if") return parseIf();
        if (name.text == "for") return parseFor();
        if (name.text == "elif" || name.text == "else" || name.text == "endif" || name.text == "endfor")
            fail(name.pos, "unexpected '" + name.text + "'");
        // include, ssi, import, extends, ... would reach files: deliberately unknown here.
        fail(name.pos, "unknown or unsupported tag '" + name.text + "'");
    }

    Node parseIf() {
        Node n{.kind = Node::Kind::If};
        ExprPtr cond = parseExpr();
        for (;;) {
            expect(TokenKind::TagClose, "'%}'");
            NodeList body = parseNodes({"elif", "else", "endif"});
            n.branches.push_back(Branch{std::move(cond), std::move(body)});
            const Token& stop = peek();
            if (stop.kind == TokenKind::End) fail(stop.pos, "missing '{% endif %}'");
            ++at_;
            if (stop.text == "endif") break;
            if (stop.text == "else") {
                expect(TokenKind::TagClose, "'%}'");
                NodeList elseBody = parseNodes({"endif"});
                if (peek().kind == TokenKind::End) fail(peek().pos, "missing '{% endif %}'");
                ++at_;
                n.branches.push_back(Branch{nullptr, std::move(elseBody)});
                break;
            }
            cond = parseExpr();  // elif
        }
        expect(TokenKind::TagClose, "'%}'");
        return n;
    }

    Node parseFor() {
        Node n{.kind = Node::Kind::For};
        n.valueVar = expect(TokenKind::Ident, "a loop variable").text;
        if (acceptSymbol(",")) {
            n.keyVar = n.valueVar;
            n.valueVar = expect(TokenKind::Ident, "a loop variable").text;
        }
        if (peek().kind != TokenKind::Ident || peek().text != "in") fail(peek().pos, "expected 'in'");
        ++at_;
        n.expr = parseExpr();
        expect(TokenKind::TagClose, "'%}'");
        n.body = parseNodes({"endfor"});
        if (peek().kind == TokenKind::End) fail(peek().pos, "missing '{% endfor %}'");
        ++at_;
        expect(TokenKind::TagClose, "'%}'");
        return n;
    }

    ExprPtr parseExpr() {
        Nesting guard(*this, peek().pos);
        return parseOr();
    }

    ExprPtr parseOr() {
        ExprPtr left = parseAnd();
        while (acceptWord("or") || acceptSymbol("||")) left = binary(Expr::Kind::Or, "", std::move(left), parseAnd());
        return left;
    }

    ExprPtr parseAnd() {
        ExprPtr left = parseNot();
        while (acceptWord("and") || acceptSymbol("&&")) left = binary(Expr::Kind::And, "", std::move(left), parseNot());
        return left;
    }

    ExprPtr parseNot() {
        size_t pos = peek().pos;
        if (acceptWord("not") || acceptSymbol("!")) {
            Nesting guard(*this, pos);
            auto e = make(Expr::Kind::Not, pos);
            e->args.push_back(parseNot());
            return finish(std::move(e));
        }
        return parseComparison();
    }

    ExprPtr parseComparison() {
        ExprPtr left = parseFiltered();
        static const std::set<std::string> ops = {"==", "!=", "<", ">", "<=", ">="};
        const Token& t = peek();
        if ((t.kind == TokenKind::Symbol && ops.count(t.text)) || (t.kind == TokenKind::Ident && t.text == "in")) {
            ++at_;
            return binary(Expr::Kind::Compare, t.text, std::move(left), parseFiltered());
        }
        return left;
    }

    ExprPtr parseFiltered() {
        ExprPtr value = parsePostfix();
        while (acceptSymbol("|")) {
            const Token& name = expect(TokenKind::Ident, "a filter name");
            auto f = make(Expr::Kind::Filter, name.pos);
            f->name = name.text == "e" ? "escape" : name.text;
            f->args.push_back(std::move(value));
            bool hasArg = acceptSymbol(":");
            if (hasArg) f->args.push_back(parsePostfix());
            if (f->name == "default" || f->name == "date") {
                if (!hasArg) fail(name.pos, "filter '" + f->name + "' needs an argument");
            } else if (f->name == "lower" || f->name == "upper" || f->name == "escape" || f->name == "safe") {
                if (hasArg) fail(name.pos, "filter '" + f->name + "' takes no argument");
            } else {
                fail(name.pos, "unknown filter '" + name.text + "'");
            }
            value = finish(std::move(f));
        }
        return value;
    }

    ExprPtr parsePostfix() {
        ExprPtr value = parsePrimary();
        for (;;) {
            size_t pos = peek().pos;
            if (acceptSymbol(".")) {
                const Token& t = peek();
                // pongo2 also allows numeric attributes on lists: list.0
                if (t.kind != TokenKind::Ident && t.kind != TokenKind::Number) fail(t.pos, "expected an attribute name");
                ++at_;
                auto e = make(t.kind == TokenKind::Ident ? Expr::Kind::Attribute : Expr::Kind::Index, pos);
                e->args.push_back(std::move(value));
                if (t.kind == TokenKind::Ident) {
                    e->name = t.text;
                } else {
                    e->args.push_back(numberLiteral(t));
                }
                value = finish(std::move(e));
            } else if (acceptSymbol("[")) {
                auto e = make(Expr::Kind::Index, pos);
                e->args.push_back(std::move(value));
                e->args.push_back(parseExpr());
                expectSymbol("]");
                value = finish(std::move(e));
            } else {
                return value;
            }
        }
    }

    ExprPtr parsePrimary() {
        const Token& t = peek();
        switch (t.kind) {
            case TokenKind::String: {
                ++at_;
                auto e = make(Expr::Kind::Literal, t.pos);
                e->value = t.text;
                return e;
            }
            case TokenKind::Number:
                ++at_;
                return numberLiteral(t);
            case TokenKind::Ident:
                ++at_;
                return identifier(t);
            case TokenKind::Symbol:
                if (t.text == "(") {
                    ++at_;
                    ExprPtr inner = parseExpr();
                    expectSymbol(")");
                    return inner;
                }
                break;
            default:
                break;
        }
        fail(t.pos, "expected a value");
    }

    ExprPtr identifier(const Token& t) {
        if (t.text == "true" || t.text == "True" || t.text == "false" || t.text == "False") {
            auto e = make(Expr::Kind::Literal, t.pos);
            e->value = t.text == "true" || t.text == "True";
            return e;
        }
        if (t.text == "none" || t.text == "None" || t.text == "nil") return make(Expr::Kind::Literal, t.pos);
        if (!acceptSymbol("(")) {
            auto e = make(Expr::Kind::Variable, t.pos);
            e->name = t.text;
            return e;
        }
        if (t.text != "config_get") fail(t.pos, "unknown function '" + t.text + "'");
        auto call = make(Expr::Kind::Call, t.pos);
        call->name = t.text;
        if (!acceptSymbol(")")) {
            do call->args.push_back(parseExpr());
            while (acceptSymbol(","));
            expectSymbol(")");
        }
        if (call->args.size() != 2) fail(t.pos, "config_get takes 2 arguments (key, default)");
        return finish(std::move(call));
    }

    ExprPtr numberLiteral(const Token& t) {
        auto e = make(Expr::Kind::Literal, t.pos);
        try {
            if (t.text.find('.') == std::string::npos) {
                e->value = std::stoll(t.text);
            } else {
                e->value = std::stod(t.text);
            }
        } catch (const std::exception&) {
            fail(t.pos, "invalid number '" + t.text + "'");
        }
        return e;
    }

    // Helpers over the token stream.
    const Token& peek() const { return tokens_[at_]; }
    bool acceptSymbol(const char* s) {
        if (peek().kind != TokenKind::Symbol || peek().text != s) return false;
        ++at_;
        return true;
    }
    bool acceptWord(const char* s) {
        if (peek().kind != TokenKind::Ident || peek().text != s) return false;
        ++at_;
        return true;
    }
    const Token& expect(TokenKind kind, const std::string& what) {
        if (peek().kind != kind) fail(peek().pos, "expected " + what);
        return tokens_[at_++];
    }
    void expectSymbol(const char* s) {
        if (!acceptSymbol(s)) fail(peek().pos, std::string("expected '") + s + "'");
    }
    static ExprPtr make(Expr::Kind kind, size_t pos) { return std::make_unique<Expr>(Expr{.kind = kind, .pos = pos}); }
    ExprPtr binary(Expr::Kind kind, const std::string& op, ExprPtr left, ExprPtr right) const {
        auto e = make(kind, left->pos);
        e->name = op;
        e->args.push_back(std::move(left));
        e->args.push_back(std::move(right));
        return finish(std::move(e));
    }
    ExprPtr finish(ExprPtr e) const {
        for (const ExprPtr& arg : e->args) e->depth = std::max(e->depth, arg->depth + 1);
        if (e->depth > kMaxExprHeight) fail(e->pos, "expression nested too deeply");
        return e;
    }
    [[noreturn]] void fail(size_t pos, const std::string& what) const { throwSyntaxError(src_, pos, what); }

    // Counts recursion into blocks and sub-expressions for the lifetime of one parse function.
    struct Nesting {
        Nesting(Parser& p, size_t pos) : p_(p) {
            if (++p_.depth_ > kMaxDepth) p_.fail(pos, "nested too deeply");
        }
        ~Nesting() { --p_.depth_; }
        Parser& p_;
    };

    const std::string& src_;
    std::vector<Token> tokens_;
    size_t at_ = 0;
    int depth_ = 0;
};

}  // namespace

NodeList parse(const std::string& source) { return Parser(source).run(); }

}  // namespace lxdp::templates
