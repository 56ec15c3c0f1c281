// The parsed form of a template: a list of nodes, with expressions as small trees.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "templates/Template.h"

namespace lxdp::templates {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
    enum class Kind {
        Literal,    // value
        Variable,   // name
        Attribute,  // args[0] . name
        Index,      // args[0] [ args[1] ]
        Filter,     // args[0] | name [: args[1]]
        Call,       // name ( args... )
        Not,        // not args[0]
        And,        // args[0] and args[1]
        Or,         // args[0] or args[1]
        Compare,    // args[0] name args[1], name one of == != < > <= >= in
    };
    Kind kind;
    size_t pos;
    int depth = 1;  // height of this subtree; bounded by the parser
    Value value{};
    std::string name{};
    std::vector<ExprPtr> args{};
};

struct Node;
using NodeList = std::vector<Node>;

// One arm of an if: the else arm has no condition.
struct Branch {
    ExprPtr condition;
    NodeList body;
};

struct Node {
    enum class Kind { Text, Output, If, For };
    Kind kind;
    std::string text{};              // Text
    ExprPtr expr{};                  // Output: the value; For: the iterated value
    std::vector<Branch> branches{};  // If
    std::string keyVar{};            // For: "for k, v in" binds the key (or list index) here
    std::string valueVar{};          // For: the item, or the key for "for k in <object>"
    NodeList body{};                 // For
};

}  // namespace lxdp::templates
