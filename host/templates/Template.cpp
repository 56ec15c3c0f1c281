#include "templates/Template.h"

#include "templates/Evaluator.h"
#include "templates/Parser.h"

namespace lxdp::templates {

std::string render(const std::string& templateText, const Value& context) {
    return evaluate(parse(templateText), context);
}

}  // namespace lxdp::templates
