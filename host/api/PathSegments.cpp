#include "api/PathSegments.h"

#include <Poco/URI.h>

namespace lxdp::api {

std::vector<std::string> splitPath(const std::string& path) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        if (end > start) {
            std::string decoded;
            Poco::URI::decode(path.substr(start, end - start), decoded);
            out.push_back(decoded);
        }
        start = end + 1;
    }
    return out;
}

}  // namespace lxdp::api
