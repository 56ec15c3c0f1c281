// The text of libarchive's last error on a handle, shared by the archive readers and writers.
#pragma once

#include <archive.h>

#include <cstring>
#include <string>

namespace lxdp::images {

// libarchive's message, with the system's reason when a system call failed ("Write failed: No
// space left on device"), which is what a user can act on.
inline std::string archiveError(archive* a) {
    const char* msg = archive_error_string(a);
    std::string out = msg ? msg : "unknown archive error";
    const int err = archive_errno(a);
    if (err > 0 && out.find(std::strerror(err)) == std::string::npos) out += std::string(": ") + std::strerror(err);
    return out;
}

}  // namespace lxdp::images
