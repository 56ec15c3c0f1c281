// Request bodies too large for memory (image uploads, backup imports) go to a file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <istream>

#include "api/endpoints/Endpoints.h"
#include "services/ProjectPolicy.h"
#include "util/ApiError.h"
#include "util/Hash.h"

namespace lxdp::api {

int64_t receiveBodyToFile(Request& r, const std::string& path, util::Sha256* hash, db::Database& db) {
    return receiveStreamToFile(r.body(), path, hash, services::ProjectPolicy(db).diskRoom(r.project()), r.project());
}

int64_t receiveStreamToFile(std::istream& in, const std::string& path, util::Sha256* hash,
                            std::optional<int64_t> room, const std::string& project) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw InternalError("Cannot create a file for the upload");
    int64_t size = 0;
    char buf[1 << 16];
    int writeError = 0;
    bool overQuota = false;
    try {
        while (in) {
            in.read(buf, sizeof buf);
            std::streamsize n = in.gcount();
            if (n <= 0) break;
            if (room && size + n > *room) overQuota = true;
            if (overQuota) continue;
            if (hash) hash->update(buf, static_cast<size_t>(n));
            for (const char* p = buf; n > 0 && writeError == 0;) {
                ssize_t w = ::write(fd, p, static_cast<size_t>(n));
                if (w <= 0) {
                    writeError = w < 0 ? errno : ENOSPC;
                    break;
                }
                p += w;
                n -= w;
                size += w;
            }
        }
        // The rest of the body was read and dropped, so that the client, still sending, hears
        // why instead of a broken pipe.
        if (overQuota)
            throw BadRequest("The upload exceeds the " + std::to_string(*room) +
                             " bytes left by \"limits.disk\" of project \"" + project + "\"");
        if (writeError) throw InternalError(std::string("Cannot store the upload: ") + std::strerror(writeError));
        if (::fsync(fd) != 0) throw InternalError("Cannot store the upload");
    } catch (...) {
        ::close(fd);
        ::unlink(path.c_str());
        throw;
    }
    ::close(fd);
    return size;
}

}  // namespace lxdp::api
