#include "images/ArchiveWriter.h"

#include "images/ArchiveError.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>

#include "images/ImageArchive.h"
#include "util/ApiError.h"

namespace lxdp::images {

namespace {


// Built-in encoders only: archive_write_add_filter_by_name would also accept names that spawn
// external programs (lz4 without liblz4, "program").
const std::map<std::string, int (*)(archive*)>& filters() {
    static const std::map<std::string, int (*)(archive*)> table = {
        {"none", archive_write_add_filter_none}, {"gzip", archive_write_add_filter_gzip},
        {"bzip2", archive_write_add_filter_bzip2}, {"xz", archive_write_add_filter_xz},
        {"lzma", archive_write_add_filter_lzma},   {"zstd", archive_write_add_filter_zstd}};
    return table;
}

int addFilter(archive* a, const std::string& compression) {
    auto it = filters().find(compression);
    if (it == filters().end()) throw BadRequest("Unsupported compression algorithm \"" + compression + "\"");
    return it->second(a);
}

struct DiskReaderDeleter {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct ResolverDeleter {
    void operator()(archive_entry_linkresolver* r) const { archive_entry_linkresolver_free(r); }
};

}  // namespace

bool isWritableCompression(const std::string& compression) { return filters().count(compression) != 0; }

ArchiveWriter::ArchiveWriter(const std::string& path, const std::string& compression)
    : a_(archive_write_new()), path_(path) {
    if (!a_) throw InternalError("Failed to allocate an archive writer");
    try {
        archive_write_set_format_pax_restricted(a_);
        if (addFilter(a_, compression) != ARCHIVE_OK)
            throw InternalError("Compression \"" + compression + "\" is unavailable: " + archiveError(a_));
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) throw InternalError("Failed to create \"" + path + "\": " + std::strerror(errno));
        ::close(fd);  // created exclusively; libarchive reopens it by name
        if (archive_write_open_filename(a_, path.c_str()) != ARCHIVE_OK) {
            ::unlink(path.c_str());
            throw InternalError("Failed to open \"" + path + "\" for writing: " + archiveError(a_));
        }
    } catch (...) {
        archive_write_free(a_);
        throw;
    }
}

ArchiveWriter::~ArchiveWriter() {
    archive_write_free(a_);
    if (!finished_) ::unlink(path_.c_str());
}

void ArchiveWriter::addFile(const std::string& name, const std::string& content, mode_t mode) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), mode & 07777);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(content.size()));
    archive_entry_set_mtime(entry.get(), std::time(nullptr), 0);
    if (archive_write_header(a_, entry.get()) < ARCHIVE_WARN)
        throw InternalError("Failed to add \"" + name + "\" to the tarball: " + archiveError(a_));
    if (!content.empty() && archive_write_data(a_, content.data(), content.size()) < 0)
        throw InternalError("Failed to write \"" + name + "\" to the tarball: " + archiveError(a_));
}

void ArchiveWriter::addFileFrom(const std::string& name, int fd, mode_t mode) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || ::lseek(fd, 0, SEEK_SET) != 0)
        throw InternalError("Failed to read the data of \"" + name + "\": " + std::strerror(errno));
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), mode & 07777);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(st.st_size));
    archive_entry_set_mtime(entry.get(), std::time(nullptr), 0);
    if (archive_write_header(a_, entry.get()) < ARCHIVE_WARN)
        throw InternalError("Failed to add \"" + name + "\" to the tarball: " + archiveError(a_));
    char buf[64 * 1024];
    for (off_t left = st.st_size; left > 0;) {
        const ssize_t n = ::read(fd, buf, static_cast<size_t>(std::min<off_t>(left, sizeof buf)));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw InternalError("Failed to read the data of \"" + name + "\": " + std::strerror(n < 0 ? errno : EIO));
        if (archive_write_data(a_, buf, static_cast<size_t>(n)) < 0)
            throw InternalError("Failed to write \"" + name + "\" to the tarball: " + archiveError(a_));
        left -= n;
    }
}

void ArchiveWriter::addTree(const std::string& srcDir, const std::string& prefix, const EntryAdjust& adjust,
                            const std::function<bool()>& cancelled) {
    if (prefix.empty()) throw InternalError("A tarball tree needs a member prefix");
    std::unique_ptr<archive, DiskReaderDeleter> disk(archive_read_disk_new());
    std::unique_ptr<archive_entry_linkresolver, ResolverDeleter> links(archive_entry_linkresolver_new());
    if (!disk || !links) throw InternalError("Failed to allocate a directory reader");
    archive_entry_linkresolver_set_strategy(links.get(), ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
    // Physical: a symlink is stored as a symlink and never followed, wherever it points.
    // No archive_read_disk_set_standard_lookup: names of the host's passwd never reach the tar.
    archive_read_disk_set_symlink_physical(disk.get());
    if (archive_read_disk_open(disk.get(), srcDir.c_str()) != ARCHIVE_OK)
        throw InternalError("Failed to read \"" + srcDir + "\": " + archiveError(disk.get()));

    std::unique_ptr<archive_entry, void (*)(archive_entry*)> entry(archive_entry_new(), archive_entry_free);
    for (;;) {
        if (cancelled && cancelled()) throw ApiError(400, kOperationCancelled);
        archive_entry_clear(entry.get());
        int r = archive_read_next_header2(disk.get(), entry.get());
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) throw InternalError("Failed to read \"" + srcDir + "\": " + archiveError(disk.get()));
        archive_read_disk_descend(disk.get());
        if (archive_entry_filetype(entry.get()) == AE_IFSOCK) continue;

        const std::string source = archive_entry_pathname(entry.get());
        archive_entry_copy_sourcepath(entry.get(), source.c_str());
        archive_entry_copy_pathname(entry.get(), (prefix + source.substr(srcDir.size())).c_str());
        if (adjust) adjust(entry.get());
        // The resolver turns a second name of an inode into a hardlink to the first one's member.
        archive_entry* linked = entry.get();
        archive_entry* sparse = nullptr;
        archive_entry_linkify(links.get(), &linked, &sparse);
        writeEntry(linked, archive_entry_hardlink(linked) ? nullptr : disk.get());
    }
}

void ArchiveWriter::writeEntry(archive_entry* entry, archive* dataFrom) {
    const std::string name = archive_entry_pathname(entry);
    if (archive_write_header(a_, entry) < ARCHIVE_WARN)
        throw InternalError("Failed to add \"" + name + "\" to the tarball: " + archiveError(a_));
    if (!dataFrom || archive_entry_filetype(entry) != AE_IFREG || archive_entry_size(entry) == 0) return;
    // archive_read_data fills sparse holes with zeros; tar writers take no block offsets.
    char buf[64 * 1024];
    for (;;) {
        la_ssize_t n = archive_read_data(dataFrom, buf, sizeof buf);
        if (n == 0) return;
        if (n < 0) throw InternalError("Failed to read \"" + name + "\": " + archiveError(dataFrom));
        if (archive_write_data(a_, buf, static_cast<size_t>(n)) < 0)
            throw InternalError("Failed to write \"" + name + "\" to the tarball: " + archiveError(a_));
    }
}

void ArchiveWriter::finish() {
    if (archive_write_close(a_) != ARCHIVE_OK) throw InternalError("Failed to finish the tarball: " + archiveError(a_));
    finished_ = true;
}

}  // namespace lxdp::images
