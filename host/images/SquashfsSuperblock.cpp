#include "images/SquashfsSuperblock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "util/ApiError.h"

namespace lxdp::images {

namespace {

constexpr uint32_t kMagic = 0x73717368;  // "hsqs" read little-endian
constexpr uint64_t kAbsent = ~uint64_t{0};  // an optional table the filesystem does not have
// The layout of squashfs-tools' squashfs_fs.h (struct squashfs_super_block), all little-endian.
constexpr size_t kSuperblockSize = 96;

class Superblock {
public:
    explicit Superblock(const unsigned char* raw) : raw_(raw) {}
    uint32_t magic() const { return u32(0); }
    uint32_t inodes() const { return u32(4); }
    uint32_t blockSize() const { return u32(12); }
    uint16_t compression() const { return u16(20); }
    uint16_t blockLog() const { return u16(22); }
    uint16_t major() const { return u16(28); }
    uint16_t minor() const { return u16(30); }
    uint64_t bytesUsed() const { return u64(40); }
    uint64_t idTable() const { return u64(48); }
    uint64_t xattrTable() const { return u64(56); }
    uint64_t inodeTable() const { return u64(64); }
    uint64_t directoryTable() const { return u64(72); }
    uint64_t fragmentTable() const { return u64(80); }
    uint64_t exportTable() const { return u64(88); }

private:
    uint64_t le(size_t at, size_t bytes) const {
        uint64_t v = 0;
        for (size_t i = bytes; i-- > 0;) v = (v << 8) | raw_[at + i];
        return v;
    }
    uint16_t u16(size_t at) const { return static_cast<uint16_t>(le(at, 2)); }
    uint32_t u32(size_t at) const { return static_cast<uint32_t>(le(at, 4)); }
    uint64_t u64(size_t at) const { return le(at, 8); }
    const unsigned char* raw_;
};

// The first bytes of the file (fewer when it is shorter); BadRequest when it cannot be read.
size_t readHead(const std::string& path, unsigned char* buf, size_t len, uint64_t* fileSize) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw BadRequest("Failed to open image file \"" + path + "\": " + std::strerror(errno));
    struct stat st {};
    ssize_t n = ::fstat(fd, &st) == 0 ? ::pread(fd, buf, len, 0) : -1;
    const int err = errno;
    ::close(fd);
    if (n < 0) throw BadRequest("Failed to read image file \"" + path + "\": " + std::strerror(err));
    if (fileSize) *fileSize = static_cast<uint64_t>(st.st_size);
    return static_cast<size_t>(n);
}

}  // namespace

bool isSquashfs(const std::string& path) {
    unsigned char head[4] = {};
    return readHead(path, head, sizeof head, nullptr) == sizeof head &&
           Superblock(head).magic() == kMagic;
}

void checkSquashfs(const std::string& path) {
    unsigned char raw[kSuperblockSize] = {};
    uint64_t fileSize = 0;
    const auto refuse = [&path](const std::string& why) {
        throw BadRequest("Image rootfs \"" + path + "\" is not a valid squashfs: " + why);
    };
    if (readHead(path, raw, sizeof raw, &fileSize) < sizeof raw) refuse("the file is shorter than a superblock");
    const Superblock sb(raw);
    if (sb.magic() != kMagic) refuse("wrong magic");
    if (sb.major() != 4 || sb.minor() != 0)
        refuse("version " + std::to_string(sb.major()) + "." + std::to_string(sb.minor()) + " (4.0 is supported)");
    // squashfs-tools' limits: 4 KiB to 1 MiB, a power of two given by block_log too.
    if (sb.blockSize() < 4096 || sb.blockSize() > (1u << 20) || sb.blockLog() > 20 ||
        sb.blockSize() != (1u << sb.blockLog()))
        refuse("invalid block size " + std::to_string(sb.blockSize()));
    // gzip, lzma, lzo, xz, lz4, zstd.
    if (sb.compression() < 1 || sb.compression() > 6) refuse("unknown compressor " + std::to_string(sb.compression()));
    if (sb.inodes() == 0) refuse("no inodes");
    if (sb.bytesUsed() > fileSize)
        refuse("it claims " + std::to_string(sb.bytesUsed()) + " bytes but the file holds " + std::to_string(fileSize) +
               " (truncated?)");
    // The tables follow the superblock in this order, each inside the used bytes.
    const uint64_t tables[] = {sb.inodeTable(), sb.directoryTable(), sb.idTable()};
    uint64_t previous = kSuperblockSize;
    for (uint64_t at : tables) {
        if (at < previous || at >= sb.bytesUsed()) refuse("a table offset lies outside the filesystem");
        previous = at;
    }
    for (uint64_t at : {sb.fragmentTable(), sb.exportTable(), sb.xattrTable()})
        if (at != kAbsent && (at < kSuperblockSize || at >= sb.bytesUsed()))
            refuse("a table offset lies outside the filesystem");
}

}  // namespace lxdp::images
