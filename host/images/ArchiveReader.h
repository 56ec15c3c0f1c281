// A libarchive read handle over an image tarball, limited to tar members and the compressions
// LXD images use. Only built-in decoders are enabled on purpose: archive_read_support_filter_all
// would also register filters that spawn external programs.
#pragma once

#include <cstdint>
#include <string>

struct archive;
struct archive_entry;

namespace lxdp::images {

class ArchiveReader {
public:
    // BadRequest when the file cannot be opened.
    explicit ArchiveReader(const std::string& path);
    ~ArchiveReader();
    ArchiveReader(const ArchiveReader&) = delete;
    ArchiveReader& operator=(const ArchiveReader&) = delete;

    // The next member's header, or nullptr at the end. BadRequest when the data is not a
    // (valid) tarball. The entry stays valid until the next call.
    archive_entry* next();
    // Reads the current member's data, at most maxBytes; BadRequest (naming the member) when
    // it holds more.
    std::string readData(const std::string& memberName, size_t maxBytes);

    // The outermost compression filter: "gzip", "xz", "bzip2", "zstd", "lzma" or "none".
    std::string compression() const;
    // Bytes consumed from the file so far (compressed size), for progress reporting.
    uint64_t compressedBytesRead() const;
    archive* handle() const { return a_; }
    const std::string& path() const { return path_; }

private:
    archive* a_;
    int fd_ = -1;
    std::string path_;
};

}  // namespace lxdp::images
