#include "images/MemberPath.h"

#include "util/ApiError.h"

namespace lxdp::images {

std::string memberPath(const std::string& raw) {
    if (raw.empty()) throw BadRequest("Image member with an empty name");
    if (raw.front() == '/') throw BadRequest("Image member \"" + raw + "\" has an absolute path");
    std::string out;
    size_t pos = 0;
    while (pos <= raw.size()) {
        size_t end = raw.find('/', pos);
        if (end == std::string::npos) end = raw.size();
        std::string part = raw.substr(pos, end - pos);
        pos = end + 1;
        if (part.empty() || part == ".") continue;
        if (part == "..") throw BadRequest("Image member \"" + raw + "\" contains \"..\"");
        if (!out.empty()) out += '/';
        out += part;
    }
    return out;
}

}  // namespace lxdp::images
