#include "dir_block.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <utility>

#include "dir_utils.h"

namespace lxdp_dir {

namespace {

const char* const kDefaultBlockSize = "10GiB";

// Closes the descriptor when leaving the scope.
struct OpenFile {
    int fd;
    ~OpenFile() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

uint64_t parseSize(const std::string& text) {
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    const std::string unit = text.substr(digits);
    static const std::pair<const char*, uint64_t> units[] = {
        {"", 1},          {"B", 1},
        {"kB", 1000ull},  {"KB", 1000ull},  {"MB", 1000ull * 1000}, {"GB", 1000ull * 1000 * 1000},
        {"TB", 1000ull * 1000 * 1000 * 1000}, {"PB", 1000ull * 1000 * 1000 * 1000 * 1000},
        {"EB", 1000ull * 1000 * 1000 * 1000 * 1000 * 1000},
        {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40},
        {"PiB", 1ull << 50}, {"EiB", 1ull << 60},
    };
    if (digits > 0 && digits <= 19) {
        const uint64_t number = std::stoull(text.substr(0, digits));
        for (const auto& [name, factor] : units)
            if (unit == name) {
                if (number > UINT64_MAX / factor) break;
                return number * factor;
            }
    }
    throw Failure(LXDP_E_INVAL, "invalid size \"" + text + "\" (expected e.g. 500MiB, 10GB or a number of bytes)");
}

std::string blockFile(const std::string& volumeDir) { return volumeDir + "/root.img"; }

void createBlockFile(const std::string& volumeDir, bool noCow) {
    const std::string path = blockFile(volumeDir);
    OpenFile f{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)};
    if (f.fd < 0) failErrno("create " + path);
    if (!noCow) return;
    // Only an empty file can change its copy-on-write mode.
    int flags = 0;
    if (::ioctl(f.fd, FS_IOC_GETFLAGS, &flags) != 0) failErrno("read the flags of " + path);
    flags |= FS_NOCOW_FL;
    if (::ioctl(f.fd, FS_IOC_SETFLAGS, &flags) != 0) failErrno("set nodatacow on " + path);
}

void resizeBlockFile(const std::string& volumeDir, const std::string& name, const std::string& size) {
    const std::string path = blockFile(volumeDir);
    const uint64_t bytes = parseSize(size.empty() || size == "0" ? kDefaultBlockSize : size);
    OpenFile f{::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC)};
    if (f.fd < 0) failErrno("open " + path);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) failErrno("stat " + path);
    if (bytes < static_cast<uint64_t>(st.st_size))
        throw Failure(LXDP_E_STORAGE_CANNOT_SHRINK, "block volume \"" + name + "\" has " + std::to_string(st.st_size) +
                                                        " bytes: it can grow, not shrink to " + size);
    if (bytes > static_cast<uint64_t>(INT64_MAX)) throw Failure(LXDP_E_INVAL, "size " + size + " is too large");
    if (::ftruncate(f.fd, static_cast<off_t>(bytes)) != 0) failErrno("resize " + path);
}

}  // namespace lxdp_dir
