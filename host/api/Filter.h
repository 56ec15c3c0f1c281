// The ?filter= language of the instance and image collections (spec: REST API, Filtering):
// OData-like `field eq value`, `ne`, `not`, `and`, `or`, evaluated left to right, with quoted
// values and dotted fields reaching into maps (config.image.os, devices.eth0.nictype).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lxdp::api {

class Filter {
public:
    // An empty text matches everything; a malformed one is a 400.
    static Filter parse(const std::string& text);

    bool empty() const { return terms_.empty(); }
    bool matches(const nlohmann::json& object) const;

private:
    struct Term {
        bool negate = false;
        std::vector<std::string> field;  // the dotted name, split
        bool equal = true;               // eq or ne
        std::string value;
        std::string joiner;              // "and"/"or" joining this term to what came before
    };
    static bool evaluate(const Term& term, const nlohmann::json& object);

    std::vector<Term> terms_;
};

}  // namespace lxdp::api
