// Reading files of an instance or image volume without ever leaving it: paths are resolved
// with openat2(RESOLVE_IN_ROOT), so symlinks and ".." stay inside root.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace lxdp::util {

// The content of root/path, or nullopt when it does not exist. Larger than maxBytes: error.
std::optional<std::string> readFileInRoot(const std::string& root, const std::string& path, size_t maxBytes);

// Replaces root/dir/name with content: a temporary file, synced, renamed over the old one, so a
// crash leaves the old or the new file, and a symlink at that name is replaced, never written
// through. dir (resolved inside root) is created (0755) when missing. Throws on failure.
void replaceFileInRoot(const std::string& root, const std::string& dir, const std::string& name,
                       const std::string& content, mode_t mode);

// Removes the file root/dir/name (a symlink is removed, not followed); false when it is missing.
bool removeFileInRoot(const std::string& root, const std::string& dir, const std::string& name);

// The names of root/dir's entries, sorted; empty when dir is missing.
std::vector<std::string> listDirInRoot(const std::string& root, const std::string& dir);

}  // namespace lxdp::util
