#include "services/InstanceLogs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/ApiError.h"

namespace lxdp::services {

std::string instanceLogDir(const std::string& logsDir, const std::string& project, const std::string& name) {
    return logsDir + "/" + (project == "default" ? name : project + "_" + name);
}

void clearConsoleLog(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return;
    if (fd < 0 && errno == ELOOP) throw BadRequest("The console log is not a regular file");
    if (fd < 0) throw InternalError("Failed to open the console log: " + std::string(std::strerror(errno)));
    struct stat st {};
    const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    const int rc = regular ? ::ftruncate(fd, 0) : 0;
    const int err = errno;
    ::close(fd);
    if (!regular) throw BadRequest("The console log is not a regular file");
    if (rc != 0) throw InternalError("Failed to clear the console log: " + std::string(std::strerror(err)));
}

}  // namespace lxdp::services
