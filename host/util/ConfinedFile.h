// Reading files of an instance or image volume without ever leaving it: paths are resolved
// with openat2(RESOLVE_IN_ROOT), so symlinks and ".." stay inside root.
#pragma once

#include <optional>
#include <string>

namespace lxdp::util {

// The content of root/path, or nullopt when it does not exist. Larger than maxBytes: error.
std::optional<std::string> readFileInRoot(const std::string& root, const std::string& path, size_t maxBytes);

}  // namespace lxdp::util
