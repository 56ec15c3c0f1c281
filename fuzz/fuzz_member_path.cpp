// The path cleaner of tarball member names: whatever it returns must stay inside the target.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "images/MemberPath.h"
#include "util/ApiError.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const std::string clean = lxdp::images::memberPath(std::string(reinterpret_cast<const char*>(data), size));
        // The promise: relative, no "." or ".." component, no empty component.
        if (!clean.empty() && (clean.front() == '/' || clean.back() == '/')) std::abort();
        size_t start = 0;
        while (start <= clean.size() && !clean.empty()) {
            size_t end = clean.find('/', start);
            if (end == std::string::npos) end = clean.size();
            const std::string part = clean.substr(start, end - start);
            if (part.empty() || part == "." || part == "..") std::abort();
            start = end + 1;
        }
    } catch (const lxdp::ApiError&) {
    }
    return 0;
}
