#include "dir_utils.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace lxdp_dir {
namespace {

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

// Opens a directory below dirFd without following a symlink at its last component.
int openDirAt(int dirFd, const std::string& name, const std::string& shownPath) {
    int fd = ::openat(dirFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) failErrno("open " + shownPath);
    return fd;
}

// The entry names of an open directory, "." and ".." left out.
std::vector<std::string> listDir(int dirFd, const std::string& shownPath) {
    int copy = ::fcntl(dirFd, F_DUPFD_CLOEXEC, 0);
    DIR* dir = copy >= 0 ? ::fdopendir(copy) : nullptr;
    if (dir == nullptr) {
        if (copy >= 0) ::close(copy);
        failErrno("read " + shownPath);
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir)) {
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
    }
    ::closedir(dir);
    return names;
}

std::pair<std::string, std::string> splitParent(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return {".", path};
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// Extended attributes of an open file or directory (ACLs and file capabilities included).
// A destination that does not support them is not an error: the copy is as good as it can be.
void copyXattrs(int srcFd, int dstFd, const std::string& shownPath) {
    ssize_t len = ::flistxattr(srcFd, nullptr, 0);
    if (len <= 0) return;
    std::string names(static_cast<size_t>(len), '\0');
    len = ::flistxattr(srcFd, names.data(), names.size());
    if (len <= 0) return;
    for (size_t pos = 0; pos < static_cast<size_t>(len); pos += std::strlen(names.c_str() + pos) + 1) {
        const char* name = names.c_str() + pos;
        ssize_t vlen = ::fgetxattr(srcFd, name, nullptr, 0);
        if (vlen < 0) continue;
        std::string value(static_cast<size_t>(vlen), '\0');
        vlen = ::fgetxattr(srcFd, name, value.data(), value.size());
        if (vlen < 0) continue;
        if (::fsetxattr(dstFd, name, value.data(), static_cast<size_t>(vlen), 0) != 0 && errno != ENOTSUP)
            failErrno("set xattr " + std::string(name) + " on " + shownPath);
    }
}

// Owner, then mode (a chown clears set-id bits), then xattrs (a chown clears capabilities).
void copyMetadata(int srcFd, int dstFd, const struct stat& st, const std::string& shownPath) {
    if (::fchown(dstFd, st.st_uid, st.st_gid) != 0) failErrno("chown " + shownPath);
    if (::fchmod(dstFd, st.st_mode & 07777) != 0) failErrno("chmod " + shownPath);
    copyXattrs(srcFd, dstFd, shownPath);
}

void setTimes(int dirFd, const std::string& name, const struct stat& st, const std::string& shownPath) {
    const timespec times[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(dirFd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) failErrno("set times of " + shownPath);
}

// Copies the bytes [offset, end) of src to the same place in dst. copy_file_range lets the
// kernel clone or copy in place; pread/pwrite where it cannot.
void copyRange(int srcFd, int dstFd, off_t offset, off_t end, const std::string& shownPath) {
    off_t in = offset, out = offset;
    while (in < end) {
        ssize_t n = ::copy_file_range(srcFd, &in, dstFd, &out, static_cast<size_t>(end - in), 0);
        if (n == 0) return;  // the file shrank meanwhile
        if (n > 0) continue;
        if (errno == EINTR) continue;
        if (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP) break;
        failErrno("copy " + shownPath);
    }
    char buf[1 << 16];
    while (in < end) {
        ssize_t n = ::pread(srcFd, buf, static_cast<size_t>(std::min<off_t>(end - in, sizeof buf)), in);
        if (n == 0) return;
        if (n < 0) {
            if (errno == EINTR) continue;
            failErrno("read " + shownPath);
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = ::pwrite(dstFd, buf + done, static_cast<size_t>(n - done), in + done);
            if (w < 0 && errno != EINTR) failErrno("write " + shownPath);
            if (w > 0) done += w;
        }
        in += n;
    }
}

// Copies the data of a file of size bytes and keeps its holes: a sparse disk image (a block
// volume's root.img) stays sparse instead of filling the pool with zeros.
void copyData(int srcFd, int dstFd, off_t size, const std::string& shownPath) {
    for (off_t pos = 0; pos < size;) {
        off_t data = ::lseek(srcFd, pos, SEEK_DATA);
        if (data < 0 && errno == ENXIO) break;  // only a hole is left
        off_t hole = data < 0 ? size : ::lseek(srcFd, data, SEEK_HOLE);
        if (data < 0) data = pos;  // no SEEK_DATA here: copy the rest whole
        if (hole < 0) hole = size;
        copyRange(srcFd, dstFd, data, hole, shownPath);
        pos = hole;
    }
    if (::ftruncate(dstFd, size) != 0) failErrno("truncate " + shownPath);
}

// An entry is named twice: by its name in the source directory and in the destination one,
// which differ only at the top of the tree.
struct Entry {
    int dir;
    const std::string& name;
    const std::string& shown;  // the full path, for messages
};

class TreeCopier {
public:
    explicit TreeCopier(const std::function<bool()>& cancelled) : cancelled_(cancelled) {}

    // Copies src to dst; st is the lstat of src.
    void copy(const Entry& src, const Entry& dst, const struct stat& st) {
        if (cancelled_ && cancelled_()) throw Failure(LXDP_E_CANCELLED, "copy to " + dst.shown + " was cancelled");
        if (S_ISDIR(st.st_mode)) return copyDir(src, dst, st);
        if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
            auto [it, first] = links_.emplace(std::make_pair(st.st_dev, st.st_ino), dst.shown);
            if (!first) {
                if (::linkat(AT_FDCWD, it->second.c_str(), dst.dir, dst.name.c_str(), 0) != 0)
                    failErrno("link " + dst.shown);
                return;
            }
        }
        if (S_ISREG(st.st_mode)) copyFile(src, dst, st);
        else if (S_ISLNK(st.st_mode)) copySymlink(src, dst, st);
        else if (::mknodat(dst.dir, dst.name.c_str(), st.st_mode, st.st_rdev) != 0) failErrno("mknod " + dst.shown);
        else {
            // Device nodes, fifos and sockets have no fd to change them through.
            if (::fchownat(dst.dir, dst.name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
                failErrno("chown " + dst.shown);
            if (::fchmodat(dst.dir, dst.name.c_str(), st.st_mode & 07777, 0) != 0) failErrno("chmod " + dst.shown);
        }
        setTimes(dst.dir, dst.name, st, dst.shown);
    }

private:
    void copyDir(const Entry& src, const Entry& dst, const struct stat& st) {
        Fd from(openDirAt(src.dir, src.name, src.shown));
        if (::mkdirat(dst.dir, dst.name.c_str(), 0700) != 0) failErrno("mkdir " + dst.shown);
        Fd to(openDirAt(dst.dir, dst.name, dst.shown));
        for (const auto& child : listDir(from.get(), src.shown)) {
            const std::string srcPath = src.shown + "/" + child, dstPath = dst.shown + "/" + child;
            struct stat cst {};
            if (::fstatat(from.get(), child.c_str(), &cst, AT_SYMLINK_NOFOLLOW) != 0) failErrno("stat " + srcPath);
            copy(Entry{from.get(), child, srcPath}, Entry{to.get(), child, dstPath}, cst);
        }
        copyMetadata(from.get(), to.get(), st, dst.shown);
        setTimes(dst.dir, dst.name, st, dst.shown);  // last: creating the children changed them
    }

    void copyFile(const Entry& src, const Entry& dst, const struct stat& st) {
        Fd from(::openat(src.dir, src.name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (from.get() < 0) failErrno("open " + src.shown);
        Fd to(::openat(dst.dir, dst.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (to.get() < 0) failErrno("create " + dst.shown);
        copyData(from.get(), to.get(), st.st_size, src.shown);
        copyMetadata(from.get(), to.get(), st, dst.shown);
    }

    void copySymlink(const Entry& src, const Entry& dst, const struct stat& st) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(src.dir, src.name.c_str(), target.data(), target.size());
        if (n < 0) failErrno("readlink " + src.shown);
        target.resize(static_cast<size_t>(n));
        if (::symlinkat(target.c_str(), dst.dir, dst.name.c_str()) != 0) failErrno("symlink " + dst.shown);
        if (::fchownat(dst.dir, dst.name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
            failErrno("chown " + dst.shown);
    }

    const std::function<bool()>& cancelled_;
    std::map<std::pair<dev_t, ino_t>, std::string> links_;  // first copy of each hard-linked inode
};

void removeEntries(int dirFd, const std::string& shownPath) {
    for (const auto& name : listDir(dirFd, shownPath)) {
        struct stat st {};
        if (::fstatat(dirFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT) continue;
            failErrno("stat " + shownPath + "/" + name);
        }
        if (S_ISDIR(st.st_mode)) {
            Fd child(openDirAt(dirFd, name, shownPath + "/" + name));
            removeEntries(child.get(), shownPath + "/" + name);
        }
        if (::unlinkat(dirFd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT)
            failErrno("remove " + shownPath + "/" + name);
    }
}

uint64_t usageOf(int dirFd, const std::string& shownPath, std::set<std::pair<dev_t, ino_t>>& seen) {
    uint64_t total = 0;
    for (const auto& name : listDir(dirFd, shownPath)) {
        struct stat st {};
        if (::fstatat(dirFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
        if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !seen.emplace(st.st_dev, st.st_ino).second) continue;
        total += static_cast<uint64_t>(st.st_blocks) * 512;
        if (S_ISDIR(st.st_mode)) {
            Fd child(openDirAt(dirFd, name, shownPath + "/" + name));
            total += usageOf(child.get(), shownPath + "/" + name, seen);
        }
    }
    return total;
}

}  // namespace

void failErrno(const std::string& what) {
    int e = errno;
    throw Failure(e == ENOENT ? LXDP_E_NOTFOUND : LXDP_E_IO, what + ": " + std::strerror(e));
}

const PoolDir kPoolDirs[] = {
    {"containers", 0711},      {"containers-snapshots", 0700},       {"custom", 0711}, {"custom-snapshots", 0700},
    {"images", 0700},          {"virtual-machines", 0711},           {"virtual-machines-snapshots", 0700},
};
const size_t kPoolDirCount = sizeof kPoolDirs / sizeof kPoolDirs[0];

const PoolDir& typeDir(uint32_t type, bool snapshots) {
    switch (type) {
    case LXDP_VOLUME_CONTAINER: return kPoolDirs[snapshots ? 1 : 0];
    case LXDP_VOLUME_CUSTOM: return kPoolDirs[snapshots ? 3 : 2];
    case LXDP_VOLUME_IMAGE:
        if (snapshots) throw Failure(LXDP_E_INVAL, "image volumes have no snapshots");
        return kPoolDirs[4];
    case LXDP_VOLUME_VM: return kPoolDirs[snapshots ? 6 : 5];
    default: throw Failure(LXDP_E_INVAL, "unknown volume type " + std::to_string(type));
    }
}

const char* configValue(const lxdp_volume& vol, const char* key) {
    for (uint32_t i = 0; vol.config != nullptr && i < vol.config->count; ++i)
        if (vol.config->items[i].key != nullptr && std::strcmp(vol.config->items[i].key, key) == 0)
            return vol.config->items[i].value;
    return nullptr;
}

VolumeName parseVolumeName(const char* name) {
    const std::string full = name != nullptr ? name : "";
    VolumeName out;
    auto slash = full.find('/');
    out.parent = full.substr(0, slash);
    if (slash != std::string::npos) out.snapshot = full.substr(slash + 1);
    auto bad = [](const std::string& part) {
        return part.empty() || part == "." || part == ".." || part.find('/') != std::string::npos;
    };
    if (bad(out.parent) || (slash != std::string::npos && bad(out.snapshot)))
        throw Failure(LXDP_E_INVAL, "invalid volume name \"" + full + "\"");
    return out;
}

namespace {
std::string storedName(const lxdp_volume& vol, const std::string& parent) {
    const std::string project = vol.project != nullptr && *vol.project != '\0' ? vol.project : "default";
    if (vol.type == LXDP_VOLUME_IMAGE) return parent;
    if (vol.type == LXDP_VOLUME_CUSTOM || project != "default") return project + "_" + parent;
    return parent;
}
}  // namespace

std::string volumePath(const std::string& pool, const lxdp_volume& vol) {
    VolumeName n = parseVolumeName(vol.name);
    if (n.snapshot.empty()) return pool + "/" + typeDir(vol.type, false).name + "/" + storedName(vol, n.parent);
    return snapshotsPath(pool, vol) + "/" + n.snapshot;
}

std::string snapshotsPath(const std::string& pool, const lxdp_volume& vol) {
    VolumeName n = parseVolumeName(vol.name);
    return pool + "/" + typeDir(vol.type, true).name + "/" + storedName(vol, n.parent);
}

namespace {

// The volume a stored name stands for (storedName backwards): "<project>_<name>", or the bare
// name of a default-project instance or of an image. False for what the layout never makes:
// dot-names (a restore's temporaries) and custom volumes without their project.
bool parseStoredName(uint32_t type, const std::string& stored, std::string& project, std::string& name) {
    if (stored.empty() || stored[0] == '.') return false;
    const auto sep = stored.find('_');
    if (type == LXDP_VOLUME_IMAGE || sep == std::string::npos) {
        project = "default";
        name = stored;
        return type != LXDP_VOLUME_CUSTOM;
    }
    project = stored.substr(0, sep);
    name = stored.substr(sep + 1);
    return !project.empty() && !name.empty();
}

bool isDirAt(int dirFd, const std::string& name) {
    struct stat st {};
    return ::fstatat(dirFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

// The directory entries of path that are directories themselves, sorted; none when it is missing.
std::vector<std::string> subdirectories(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return {};
        failErrno("open " + path);
    }
    Fd dir(fd);
    std::vector<std::string> out;
    for (auto& name : listDir(dir.get(), path))
        if (name[0] != '.' && isDirAt(dir.get(), name)) out.push_back(std::move(name));
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

void listVolumes(const std::string& pool, const lxdp_volume_sink& out) {
    for (uint32_t type : {LXDP_VOLUME_CONTAINER, LXDP_VOLUME_VM, LXDP_VOLUME_CUSTOM, LXDP_VOLUME_IMAGE}) {
        for (const auto& stored : subdirectories(pool + "/" + typeDir(type, false).name)) {
            std::string project, name;
            if (!parseStoredName(type, stored, project, name)) continue;
            lxdp_volume vol{sizeof(lxdp_volume), type, LXDP_CONTENT_FILESYSTEM, 0, project.c_str(), name.c_str(), nullptr};
            out.add(out.ctx, &vol);
            if (type == LXDP_VOLUME_IMAGE) continue;
            for (const auto& snap : subdirectories(pool + "/" + typeDir(type, true).name + "/" + stored)) {
                const std::string full = name + "/" + snap;
                vol.name = full.c_str();
                out.add(out.ctx, &vol);
            }
        }
    }
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

bool isEmptyDir(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return false;
    Fd dir(fd);
    return listDir(dir.get(), path).empty();
}

bool makeDir(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) != 0) {
        if (errno == EEXIST) return false;
        failErrno("mkdir " + path);
    }
    if (::chmod(path.c_str(), mode) != 0) failErrno("chmod " + path);
    return true;
}

void copyTree(const std::string& src, const std::string& dst, const std::function<bool()>& cancelled) {
    auto [srcParent, srcName] = splitParent(src);
    auto [dstParent, dstName] = splitParent(dst);
    Fd from(openDirAt(AT_FDCWD, srcParent, srcParent));
    Fd to(openDirAt(AT_FDCWD, dstParent, dstParent));
    struct stat st {};
    if (::fstatat(from.get(), srcName.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) failErrno("stat " + src);
    if (!S_ISDIR(st.st_mode)) throw Failure(LXDP_E_INVAL, src + " is not a directory");
    TreeCopier(cancelled).copy(Entry{from.get(), srcName, src}, Entry{to.get(), dstName, dst}, st);
}

void removeTree(const std::string& path) {
    auto [parent, name] = splitParent(path);
    int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return;
        failErrno("open " + parent);
    }
    Fd dir(fd);
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return;
        failErrno("stat " + path);
    }
    if (S_ISDIR(st.st_mode)) {
        Fd child(openDirAt(dir.get(), name, path));
        removeEntries(child.get(), path);
    }
    if (::unlinkat(dir.get(), name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT)
        failErrno("remove " + path);
}

uint64_t treeUsage(const std::string& path) {
    Fd dir(openDirAt(AT_FDCWD, path, path));
    struct stat st {};
    if (::fstat(dir.get(), &st) != 0) failErrno("stat " + path);
    std::set<std::pair<dev_t, ino_t>> seen;
    return static_cast<uint64_t>(st.st_blocks) * 512 + usageOf(dir.get(), path, seen);
}

}  // namespace lxdp_dir
