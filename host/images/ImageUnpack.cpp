// Extracting an image tarball onto disk with libarchive, confined to the destination.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <optional>
#include <system_error>

#include "images/ArchiveError.h"
#include "images/ArchiveReader.h"
#include "images/ImageArchive.h"
#include "images/MemberPath.h"
#include "util/ApiError.h"

namespace lxdp::images {

namespace {

namespace fs = std::filesystem;

// What is restored, and why each flag is (not) set:
//  OWNER      numeric uid/gid as stored: image ids are the container's ids (shifted later). No
//             archive_write_disk_set_standard_lookup, so names in the tar are never mapped
//             through the host's passwd/group.
//  PERM       exact modes including setuid/setgid/sticky (sudo, /tmp) regardless of umask.
//  TIME, XATTR, ACL
//             mtimes, security.capability (ping, ...) and ACLs are part of the image content.
//  SECURE_SYMLINKS
//             never write through a symlink the archive created (rootfs -> / then rootfs/x);
//             a symlink as the final component is replaced, not followed.
//  SECURE_NODOTDOT
//             second line behind memberPath(), which already refuses "..".
// Deliberately not set:
//  SECURE_NOABSOLUTEPATHS  members are rewritten to absolute paths under the destination
//             (the daemon is multi-threaded, so chdir() into it is not an option); memberPath()
//             refuses absolute member names before the rewrite.
//  UNLINK     the destination is empty, so nothing pre-exists that would need unlinking; and
//             with it libarchive would silently replace a symlinked parent instead of refusing
//             the crafted archive.
//  FFLAGS     an immutable or append-only flag from an image would make the tree undeletable
//             (including the cleanup below); LXD does not restore them either.
constexpr int kExtractFlags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                              ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                              ARCHIVE_EXTRACT_SECURE_NODOTDOT;


class DiskWriter {
public:
    DiskWriter() : a_(archive_write_disk_new()) {
        if (!a_) throw InternalError("Failed to allocate an archive writer");
        archive_write_disk_set_options(a_, kExtractFlags);
    }
    ~DiskWriter() { archive_write_free(a_); }
    DiskWriter(const DiskWriter&) = delete;
    DiskWriter& operator=(const DiskWriter&) = delete;
    archive* handle() const { return a_; }

private:
    archive* a_;
};

class Extraction {
public:
    Extraction(const std::string& tarballPath, const std::string& prefix, const fs::path& root,
               const std::function<void(uint64_t, uint64_t)>& progress, const std::function<bool()>& cancelled)
        : reader_(tarballPath), prefix_(prefix), root_(root), progress_(progress), cancelled_(cancelled) {
        struct stat st {};
        total_ = ::stat(tarballPath.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    }

    void run() {
        while (archive_entry* entry = reader_.next()) {
            checkCancelled();
            extractEntry(entry);
            report();
        }
        if (archive_write_close(writer_.handle()) < ARCHIVE_WARN)
            throw BadRequest("Failed to finish unpacking the image: " + archiveError(writer_.handle()));
        if (progress_) progress_(total_, total_);
    }

private:
    // The member's path below the prefix; nullopt for members outside it.
    std::optional<std::string> belowPrefix(const std::string& rel) const {
        if (prefix_.empty()) return rel;
        if (rel == prefix_) return std::string();
        if (rel.size() > prefix_.size() && rel.compare(0, prefix_.size(), prefix_) == 0 && rel[prefix_.size()] == '/')
            return rel.substr(prefix_.size() + 1);
        return std::nullopt;
    }

    void extractEntry(archive_entry* entry) {
        const char* rawName = archive_entry_pathname(entry);
        const std::string name = rawName ? rawName : "";
        const auto below = belowPrefix(memberPath(name));
        if (!below) return;  // libarchive skips the unread data at the next header
        const std::string rel = *below;
        // "./" stands for the destination itself: only its directory attributes may change,
        // libarchive would otherwise replace the directory with a file or symlink.
        if (rel.empty() && archive_entry_filetype(entry) != AE_IFDIR)
            throw BadRequest("Image member \"" + name + "\" (the archive root) must be a directory");
        archive_entry_copy_pathname(entry, inRoot(rel).c_str());
        if (const char* link = archive_entry_hardlink(entry)) {
            const auto target = belowPrefix(memberPath(link));
            if (!target) throw BadRequest("Image member \"" + name + "\" links outside \"" + prefix_ + "\"");
            archive_entry_copy_hardlink(entry, inRoot(*target).c_str());
        }
        // Symlink targets are left alone: they are resolved inside the instance at run time,
        // and SECURE_SYMLINKS keeps extraction itself from following them.

        archive* out = writer_.handle();
        int r = archive_write_header(out, entry);
        // ARCHIVE_WARN: metadata the file system cannot hold (e.g. xattrs on tmpfs); tar warns too.
        if (r < ARCHIVE_WARN) throw BadRequest("Refusing image member \"" + name + "\": " + archiveError(out));
        copyData(name);
        if (archive_write_finish_entry(out) < ARCHIVE_WARN)
            throw BadRequest("Failed to unpack image member \"" + name + "\": " + archiveError(out));
    }

    void copyData(const std::string& name) {
        archive* in = reader_.handle();
        archive* out = writer_.handle();
        for (;;) {
            const void* buf = nullptr;
            size_t size = 0;
            la_int64_t offset = 0;
            int r = archive_read_data_block(in, &buf, &size, &offset);
            if (r == ARCHIVE_EOF) return;
            if (r < ARCHIVE_WARN) throw BadRequest("Failed to read image member \"" + name + "\": " + archiveError(in));
            // For data, ARCHIVE_WARN is a failed write (disk full), not lost metadata.
            if (archive_write_data_block(out, buf, size, offset) != ARCHIVE_OK) {
                const std::string what = "Failed to write image member \"" + name + "\": " + archiveError(out);
                if (archive_errno(out) == ENOSPC || archive_errno(out) == EDQUOT) throw InternalError(what);
                throw BadRequest(what);
            }
            checkCancelled();
            report();
        }
    }

    std::string inRoot(const std::string& rel) const { return rel.empty() ? root_.string() : (root_ / rel).string(); }

    void checkCancelled() const {
        if (cancelled_ && cancelled_()) throw ApiError(400, kOperationCancelled);
    }

    // Only reports movement, so callers are not flooded with identical values.
    void report() {
        if (!progress_) return;
        uint64_t done = reader_.compressedBytesRead();
        if (total_ && done > total_) done = total_;
        if (done == lastReported_) return;
        lastReported_ = done;
        progress_(done, total_);
    }

    ArchiveReader reader_;
    DiskWriter writer_;
    std::string prefix_;
    fs::path root_;
    const std::function<void(uint64_t, uint64_t)>& progress_;
    const std::function<bool()>& cancelled_;
    uint64_t total_ = 0;
    uint64_t lastReported_ = 0;
};

// Empties root without following symlinks (remove_all removes a link, not its target).
void removeContents(const fs::path& root) {
    std::error_code ec;
    for (const auto& child : fs::directory_iterator(root, ec)) fs::remove_all(child.path(), ec);
}

}  // namespace

void unpackImage(const std::string& tarballPath, const std::string& destDir,
                 const std::function<void(uint64_t done, uint64_t total)>& progress,
                 const std::function<bool()>& cancelled) {
    unpackSubtree(tarballPath, "", destDir, progress, cancelled);
}

void unpackSubtree(const std::string& tarballPath, const std::string& prefix, const std::string& destDir,
                   const std::function<void(uint64_t done, uint64_t total)>& progress,
                   const std::function<bool()>& cancelled) {
    std::error_code ec;
    // Canonical, so that no component of the destination itself is a symlink: SECURE_SYMLINKS
    // checks every component of the (absolute) paths handed to libarchive.
    const fs::path root = fs::canonical(destDir, ec);
    if (ec || !fs::is_directory(root)) throw InternalError("Image unpack destination \"" + destDir + "\" is not a directory");
    // Cleanup on failure empties the directory, which is only safe if it held nothing else.
    if (!fs::is_empty(root, ec) || ec) throw InternalError("Image unpack destination \"" + destDir + "\" is not empty");
    try {
        Extraction(tarballPath, prefix.empty() ? prefix : memberPath(prefix), root, progress, cancelled).run();
    } catch (...) {
        removeContents(root);
        throw;
    }
}

}  // namespace lxdp::images
