// Image and backup tarballs: compression detection, the tar walk that finds metadata.yaml, the
// unpacker with its member checks, and a split image's rootfs check (squashfs superblock or
// tarball), on any bytes.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "images/ImageArchive.h"
#include "util/ApiError.h"

namespace {
// The input as a file, since the archive code reads paths: a memfd, reached through /proc.
class InputFile {
public:
    InputFile(const uint8_t* data, size_t size) : fd_(::memfd_create("fuzz-input", MFD_CLOEXEC)) {
        for (size_t done = 0; done < size;) {
            ssize_t n = ::write(fd_, data + done, size - done);
            if (n <= 0) break;
            done += static_cast<size_t>(n);
        }
    }
    ~InputFile() { ::close(fd_); }
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // A plain array: it outlives the atexit handler that removes the directory.
    static char dest[] = "/tmp/lxdp-fuzz-unpack.XXXXXX";
    static const bool made = [] {
        if (::mkdtemp(dest) == nullptr) std::abort();
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(dest, ec);
        });
        return true;
    }();
    (void)made;
    InputFile input(data, size);
    try {
        lxdp::images::compressionOf(input.path());
    } catch (const lxdp::ApiError&) {
    }
    try {
        lxdp::images::checkSplitRootfs(input.path());
    } catch (const lxdp::ApiError&) {
    }
    try {
        lxdp::images::readImageMetadata(input.path());
    } catch (const lxdp::ApiError&) {
    }
    try {
        lxdp::images::unpackImage(input.path(), dest, nullptr, nullptr);
    } catch (const lxdp::ApiError&) {
    }
    // unpackImage needs an empty directory, and nothing may pile up between inputs.
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dest, ec)) std::filesystem::remove_all(entry.path(), ec);
    return 0;
}
