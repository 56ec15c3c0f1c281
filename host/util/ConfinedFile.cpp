#include "util/ConfinedFile.h"

#include "util/ClosingFd.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace lxdp::util {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
    throw std::runtime_error("cannot " + what + " " + path + ": " + std::strerror(err));
}

// root/path opened with flags, path resolved as if root were "/" (symlinks and ".." stay in it).
// -1 with errno set on failure.
int openInRoot(const std::string& root, const std::string& path, uint64_t flags) {
    ClosingFd rootFd{::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)};
    if (rootFd.fd < 0) fail("open", root, errno);
    struct open_how how {};
    how.flags = flags | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    std::string rel = path;
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    if (rel.empty()) rel = ".";
    return static_cast<int>(::syscall(SYS_openat2, rootFd.fd, rel.c_str(), &how, sizeof how));
}

// A name that is one entry of a directory, never a path.
void checkEntryName(const std::string& name) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
        throw std::runtime_error("invalid file name \"" + name + "\"");
}

}  // namespace

std::optional<std::string> readFileInRoot(const std::string& root, const std::string& path, size_t maxBytes) {
    ClosingFd fd{openInRoot(root, path, O_RDONLY | O_NOCTTY | O_NONBLOCK)};
    if (fd.fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        fail("open", path, errno);
    }
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("read", path, errno);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > maxBytes) throw std::runtime_error(path + " is larger than " + std::to_string(maxBytes) + " bytes");
    }
    return out;
}

void replaceFileInRoot(const std::string& root, const std::string& dir, const std::string& name,
                       const std::string& content, mode_t mode) {
    checkEntryName(name);
    ClosingFd dirFd{openInRoot(root, dir, O_RDONLY | O_DIRECTORY)};
    if (dirFd.fd < 0 && errno == ENOENT) {
        // One level only: the callers' directories (templates/) sit at the top of root.
        ClosingFd rootFd{openInRoot(root, ".", O_RDONLY | O_DIRECTORY)};
        if (rootFd.fd < 0 || (::mkdirat(rootFd.fd, dir.c_str(), 0755) != 0 && errno != EEXIST)) fail("create", dir, errno);
        dirFd.fd = openInRoot(root, dir, O_RDONLY | O_DIRECTORY);
    }
    if (dirFd.fd < 0) fail("open", dir, errno);
    const std::string tmp = "." + name + ".tmp";
    ::unlinkat(dirFd.fd, tmp.c_str(), 0);
    ClosingFd fd{::openat(dirFd.fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)};
    if (fd.fd < 0) fail("create", tmp, errno);
    size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd.fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        done += static_cast<size_t>(n);
    }
    const bool ok = done == content.size() && ::fchmod(fd.fd, mode) == 0 && ::fsync(fd.fd) == 0 &&
                    ::renameat(dirFd.fd, tmp.c_str(), dirFd.fd, name.c_str()) == 0;
    if (!ok) {
        const int err = errno;
        ::unlinkat(dirFd.fd, tmp.c_str(), 0);
        fail("write", name, err);
    }
}

bool removeFileInRoot(const std::string& root, const std::string& dir, const std::string& name) {
    checkEntryName(name);
    ClosingFd dirFd{openInRoot(root, dir, O_RDONLY | O_DIRECTORY)};
    if (dirFd.fd < 0 && errno == ENOENT) return false;
    if (dirFd.fd < 0) fail("open", dir, errno);
    if (::unlinkat(dirFd.fd, name.c_str(), 0) == 0) return true;
    if (errno == ENOENT) return false;
    fail("remove", name, errno);
}

std::vector<std::string> listDirInRoot(const std::string& root, const std::string& dir) {
    std::vector<std::string> names;
    const int fd = openInRoot(root, dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0 && errno == ENOENT) return names;
    if (fd < 0) fail("open", dir, errno);
    DIR* d = ::fdopendir(fd);
    if (d == nullptr) {
        const int err = errno;
        ::close(fd);
        fail("list", dir, err);
    }
    while (const dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace lxdp::util
