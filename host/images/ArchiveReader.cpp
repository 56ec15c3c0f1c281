#include "images/ArchiveReader.h"

#include "images/ArchiveError.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/ApiError.h"

namespace lxdp::images {

namespace {
constexpr size_t kReadBlockSize = 64 * 1024;

}  // namespace

ArchiveReader::ArchiveReader(const std::string& path) : a_(archive_read_new()), path_(path) {
    if (!a_) throw InternalError("Failed to allocate an archive reader");
    archive_read_support_filter_gzip(a_);
    archive_read_support_filter_xz(a_);
    archive_read_support_filter_bzip2(a_);
    archive_read_support_filter_zstd(a_);
    archive_read_support_filter_lzma(a_);
    archive_read_support_format_tar(a_);
    // Opening the file ourselves separates "cannot open" from "not a tarball": libarchive
    // already bids compression and format inside archive_read_open.
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
        int err = errno;
        archive_read_free(a_);
        throw BadRequest("Failed to open image file \"" + path + "\": " + std::strerror(err));
    }
    if (archive_read_open_fd(a_, fd_, kReadBlockSize) != ARCHIVE_OK) {
        std::string err = archiveError(a_);
        archive_read_free(a_);
        ::close(fd_);
        throw BadRequest("Image file \"" + path + "\" is not a valid tarball: " + err);
    }
}

ArchiveReader::~ArchiveReader() {
    archive_read_free(a_);
    ::close(fd_);  // archive_read_open_fd leaves the descriptor to its owner
}

archive_entry* ArchiveReader::next() {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(a_, &entry);
    if (r == ARCHIVE_EOF) return nullptr;
    // ARCHIVE_WARN covers benign oddities (e.g. unknown pax keywords); the header is usable.
    if (r < ARCHIVE_WARN) throw BadRequest("Image file \"" + path_ + "\" is not a valid tarball: " + archiveError(a_));
    return entry;
}

std::string ArchiveReader::readData(const std::string& memberName, size_t maxBytes) {
    std::string data;
    char buf[16 * 1024];
    for (;;) {
        la_ssize_t n = archive_read_data(a_, buf, sizeof buf);
        if (n < 0) throw BadRequest("Failed to read image file \"" + path_ + "\": " + archiveError(a_));
        if (n == 0) return data;
        if (data.size() + static_cast<size_t>(n) > maxBytes)
            throw BadRequest("Image member \"" + memberName + "\" exceeds " + std::to_string(maxBytes) + " bytes");
        data.append(buf, static_cast<size_t>(n));
    }
}

std::string ArchiveReader::compression() const {
    // Filter 0 is the outermost one; a plain tar only has the "none" reader filter.
    switch (archive_filter_code(a_, 0)) {
        case ARCHIVE_FILTER_GZIP: return "gzip";
        case ARCHIVE_FILTER_XZ: return "xz";
        case ARCHIVE_FILTER_BZIP2: return "bzip2";
        case ARCHIVE_FILTER_ZSTD: return "zstd";
        case ARCHIVE_FILTER_LZMA: return "lzma";
        default: return "none";
    }
}

uint64_t ArchiveReader::compressedBytesRead() const {
    // Index -1 is the innermost filter, i.e. the raw file reader.
    la_int64_t n = archive_filter_bytes(a_, -1);
    return n < 0 ? 0 : static_cast<uint64_t>(n);
}

}  // namespace lxdp::images
