#include "util/ConfinedFile.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace lxdp::util {

namespace {
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};
}  // namespace

std::optional<std::string> readFileInRoot(const std::string& root, const std::string& path, size_t maxBytes) {
    Fd rootFd{::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)};
    if (rootFd.fd < 0) throw std::runtime_error("cannot open " + root + ": " + std::strerror(errno));
    struct open_how how {};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    std::string rel = path;
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    if (rel.empty()) rel = ".";
    Fd fd{static_cast<int>(::syscall(SYS_openat2, rootFd.fd, rel.c_str(), &how, sizeof how))};
    if (fd.fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    }
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > maxBytes) throw std::runtime_error(path + " is larger than " + std::to_string(maxBytes) + " bytes");
    }
    return out;
}

}  // namespace lxdp::util
