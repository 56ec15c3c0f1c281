// Writing tarballs (published images, instance backups) with libarchive: POSIX pax format, numeric
// owners only, and only built-in compressors, so no user string ever reaches a spawned program
// (the compression_algorithm injections, CVE-2026-28384/48755).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

struct archive;
struct archive_entry;

namespace lxdp::images {

// Whether ArchiveWriter can compress with this algorithm (the names config::isCompressionAlgorithm
// accepts, minus lz4 and squashfs, which would need external programs).
bool isWritableCompression(const std::string& compression);

// Called for every member addTree writes, after its name is set: may change owner or mode.
using EntryAdjust = std::function<void(archive_entry*)>;

class ArchiveWriter {
public:
    // Creates path (which must not exist, mode 0600) as a tarball compressed with one of
    // "none", "gzip", "bzip2", "xz", "lzma", "zstd"; BadRequest for any other name.
    ArchiveWriter(const std::string& path, const std::string& compression);
    // Without finish(), the partial file is removed: no half-written tarball stays behind.
    ~ArchiveWriter();
    ArchiveWriter(const ArchiveWriter&) = delete;
    ArchiveWriter& operator=(const ArchiveWriter&) = delete;

    // A regular file member from memory, owned by 0:0.
    void addFile(const std::string& name, const std::string& content, mode_t mode = 0644);
    // A regular file member holding what the open file fd holds (read from its start), owned by 0:0.
    void addFileFrom(const std::string& name, int fd, mode_t mode = 0644);
    // srcDir itself as the member `prefix` and everything below it as prefix/..., without ever
    // following a symlink; hardlinks stay hardlinks, sockets are skipped (tar cannot hold them).
    // `adjust` (optional) sees each entry before it is written; `cancelled` (optional) is polled
    // between members and stops with ApiError(400, kOperationCancelled).
    void addTree(const std::string& srcDir, const std::string& prefix, const EntryAdjust& adjust,
                 const std::function<bool()>& cancelled);
    // Flushes and closes the tarball; InternalError when that fails (disk full).
    void finish();

private:
    void writeEntry(archive_entry* entry, archive* dataFrom);

    archive* a_;
    std::string path_;
    bool finished_ = false;
};

}  // namespace lxdp::images
