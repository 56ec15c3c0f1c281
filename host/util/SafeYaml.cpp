#include "util/SafeYaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <cstdint>
#include <sstream>

#include "util/ApiError.h"

namespace lxdp::util {

namespace {

std::string where(const YAML::Mark& mark) {
    return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

// Walks the event stream before any node tree is built, so hostile shapes are refused while the
// parser is still shallow: throwing from OnMapStart unwinds yaml-cpp's recursion at maxDepth.
class ShapeGuard : public YAML::EventHandler {
public:
    ShapeGuard(std::string what, int maxDepth) : what_(std::move(what)), maxDepth_(maxDepth) {}
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
        throw BadRequest(what_ + " uses a YAML alias at " + where(mark) + "; aliases are not allowed");
    }
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        enter(mark);
    }
    void OnSequenceEnd() override { --depth_; }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        enter(mark);
    }
    void OnMapEnd() override { --depth_; }

private:
    void enter(const YAML::Mark& mark) {
        if (++depth_ > maxDepth_) throw BadRequest(what_ + " nests too deeply at " + where(mark));
    }
    const std::string what_;
    const int maxDepth_;
    int depth_ = 0;
};

// YAML is Unicode text; invalid UTF-8 would travel into JSON, whose serializer then throws.
bool isValidUtf8(const std::string& text) {
    size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > text.size()) return false;
        uint32_t cp = len == 1 ? c : c & (0x7F >> len);
        for (size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // No overlong forms, surrogates or code points past U+10FFFF.
        static const uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < minimum[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

// A scalar as the JSON serializer will take it: escapes such as "\uD800" decode to invalid UTF-8.
std::string utf8Scalar(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    if (!isValidUtf8(text)) throw BadRequest("YAML value at " + where(node.Mark()) + " is not valid UTF-8");
    return text;
}

}  // namespace

YAML::Node loadYamlSafely(const std::string& text, const std::string& what, int maxDepth, size_t maxBytes) {
    if (text.size() > maxBytes)
        throw BadRequest(what + " is larger than " + std::to_string(maxBytes) + " bytes");
    // No NUL either: YAML has none, and leading NULs make yaml-cpp decode the text as UTF-16/32.
    if (!isValidUtf8(text) || text.find('\0') != std::string::npos) throw BadRequest(what + " is not valid UTF-8 text");
    try {
        std::istringstream events(text);
        YAML::Parser parser(events);
        ShapeGuard guard(what, maxDepth);
        // The first document only, as YAML::Load reads: past a stray flow end (",]") yaml-cpp 0.7
        // reports an endless stream of empty documents, and looping over them never ended.
        parser.HandleNextDocument(guard);
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw BadRequest(what + " is not valid YAML: " + e.msg + " at " + where(e.mark));
    }
}

nlohmann::json yamlToJson(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& kv : node) out[utf8Scalar(kv.first)] = yamlToJson(kv.second);
        return out;
    }
    case YAML::NodeType::Sequence: {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& item : node) out.push_back(yamlToJson(item));
        return out;
    }
    case YAML::NodeType::Scalar:
        return utf8Scalar(node);
    default:
        return nullptr;
    }
}

}  // namespace lxdp::util
