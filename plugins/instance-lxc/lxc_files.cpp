#include "lxc_files.h"

#include "lxc_idmap.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <string>

namespace lxdp_lxc {

namespace {

// What the kernel shows for an id outside the container's map.
constexpr int64_t kOverflowId = 65534;
constexpr size_t kChunk = 64 * 1024;

UniqueFd open_rootfs(const InstanceView &inst) {
    UniqueFd vol(open(inst.volume_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!vol)
        fail_errno(errno, "Failed to open the instance volume %s", inst.volume_path().c_str());
    // rootfs itself could be a symlink planted by a crafted image.
    UniqueFd root(openat(vol.get(), "rootfs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!root)
        fail_errno(errno, "Failed to open the rootfs of %s", inst.lxc_name().c_str());
    return root;
}

// Resolves path as if rootfd were "/": "..", absolute symlinks and /proc magic links can never
// lead outside.
UniqueFd open_in_root(int rootfd, const std::string &path, int flags, mode_t mode = 0) {
    open_how how{};
    how.flags = uint64_t(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) != 0 ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    long fd;
    do
        fd = syscall(SYS_openat2, rootfd, path.empty() ? "/" : path.c_str(), &how, sizeof(how));
    while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    if (fd < 0)
        fail_errno(errno, "Not Found: %s", path.c_str());
    return UniqueFd(int(fd));
}

struct SplitPath {
    std::string parent;
    std::string base;
};

SplitPath split(const char *path) {
    if (path == nullptr)
        fail(LXDP_E_INVAL, "Missing path");
    std::string p = path;
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    size_t slash = p.rfind('/');
    SplitPath s;
    s.parent = slash == std::string::npos ? "/" : p.substr(0, slash + 1);
    s.base = slash == std::string::npos ? p : p.substr(slash + 1);
    if (s.base.empty() || s.base == "." || s.base == "..")
        fail(LXDP_E_INVAL, "Invalid path \"%s\"", path);
    return s;
}

int64_t to_ns(const Idmap &map, int64_t hostid, bool uid) {
    return idmap_to_ns(map, hostid, uid).value_or(kOverflowId);
}

int64_t to_host(const Idmap &map, int64_t nsid, bool uid) {
    auto id = idmap_to_host(map, nsid, uid);
    if (!id || *id > INT32_MAX)
        fail(LXDP_E_INVAL, "%s %lld is outside the instance's id map", uid ? "uid" : "gid",
             static_cast<long long>(nsid));
    return *id;
}

bool sink_write(const lxdp_byte_sink *sink, const void *data, size_t len) {
    return sink == nullptr || sink->write == nullptr || sink->write(sink->ctx, data, len) == 0;
}

void copy_to_sink(int fd, const lxdp_byte_sink *sink) {
    std::unique_ptr<char[]> buf(new char[kChunk]);
    while (true) {
        ssize_t n = read(fd, buf.get(), kChunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail_errno(errno, "Failed to read file");
        if (n == 0)
            return;
        if (!sink_write(sink, buf.get(), size_t(n)))
            fail(LXDP_E_CANCELLED, "The reader stopped the transfer");
    }
}

void copy_from_source(const lxdp_byte_source *src, int fd) {
    if (src == nullptr || src->read == nullptr)
        return;
    std::unique_ptr<char[]> buf(new char[kChunk]);
    while (true) {
        int64_t n = src->read(src->ctx, buf.get(), kChunk);
        if (n < 0)
            fail(LXDP_E_IO, "Failed to read the uploaded content");
        if (n == 0)
            return;
        for (size_t off = 0; off < size_t(n);) {
            ssize_t w = write(fd, buf.get() + off, size_t(n) - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                fail_errno(errno, "Failed to write file");
            off += size_t(w);
        }
    }
}

std::string read_all(const lxdp_byte_source *src) {
    std::string out;
    if (src == nullptr || src->read == nullptr)
        return out;
    char buf[4096];
    while (true) {
        int64_t n = src->read(src->ctx, buf, sizeof(buf));
        if (n < 0)
            fail(LXDP_E_IO, "Failed to read the uploaded content");
        if (n == 0)
            return out;
        out.append(buf, size_t(n));
        if (out.size() > PATH_MAX)
            fail(LXDP_E_INVAL, "Symlink target too long");
    }
}

// Opens again what an O_PATH fd designates, refusing if the path was swapped meanwhile.
UniqueFd reopen_same(int rootfd, const std::string &path, int flags, const struct stat &expected) {
    UniqueFd fd = open_in_root(rootfd, path, flags | O_NOFOLLOW | O_NONBLOCK);
    struct stat st;
    if (fstat(fd.get(), &st) != 0 || st.st_ino != expected.st_ino || st.st_dev != expected.st_dev)
        fail(LXDP_E_BUSY, "%s changed while being read", path.c_str());
    return fd;
}

} // namespace

void file_get(const InstanceView &inst, const char *path, lxdp_file_info *info, const lxdp_byte_sink *content,
              const lxdp_name_sink *names) {
    if (path == nullptr)
        fail(LXDP_E_INVAL, "Missing path");
    UniqueFd root = open_rootfs(inst);
    // The last component is not followed: a symlink is reported as one, with its target, as
    // upstream does (lstat + readlink); symlinks before it resolve within the root.
    UniqueFd fd = open_in_root(root.get(), path, O_PATH | O_NOFOLLOW);
    struct stat st;
    if (fstat(fd.get(), &st) != 0)
        fail_errno(errno, "Failed to stat %s", path);
    Idmap map = disk_idmap(inst);
    if (info != nullptr) {
        info->uid = to_ns(map, st.st_uid, true);
        info->gid = to_ns(map, st.st_gid, false);
        info->mode = int32_t(st.st_mode & 07777);
        info->size = st.st_size;
        info->mtime = st.st_mtim.tv_sec;
    }
    uint32_t type;
    if (S_ISLNK(st.st_mode)) {
        type = LXDP_FILE_SYMLINK;
        char target[PATH_MAX + 1];
        ssize_t n = readlinkat(fd.get(), "", target, PATH_MAX);
        if (n < 0)
            fail_errno(errno, "Failed to read symlink %s", path);
        if (!sink_write(content, target, size_t(n)))
            fail(LXDP_E_CANCELLED, "The reader stopped the transfer");
    } else if (S_ISDIR(st.st_mode)) {
        type = LXDP_FILE_DIRECTORY;
        if (names != nullptr && names->add != nullptr) {
            UniqueFd dfd = reopen_same(root.get(), path, O_RDONLY | O_DIRECTORY, st);
            DIR *dir = fdopendir(dfd.release());
            if (dir == nullptr)
                fail_errno(errno, "Failed to list %s", path);
            std::unique_ptr<DIR, int (*)(DIR *)> guard(dir, closedir);
            while (struct dirent *de = readdir(dir))
                if (std::strcmp(de->d_name, ".") != 0 && std::strcmp(de->d_name, "..") != 0)
                    names->add(names->ctx, de->d_name);
        }
    } else if (S_ISREG(st.st_mode)) {
        type = LXDP_FILE_REGULAR;
        if (content != nullptr)
            copy_to_sink(reopen_same(root.get(), path, O_RDONLY, st).get(), content);
    } else {
        fail(LXDP_E_NOTSUP, "%s is neither a regular file, a directory nor a symlink", path);
    }
    if (info != nullptr)
        info->type = type;
}

void file_put(const InstanceView &inst, const char *path, const lxdp_file_info *info,
              const lxdp_byte_source *content) {
    if (info == nullptr)
        fail(LXDP_E_INVAL, "Missing file description");
    SplitPath sp = split(path);
    UniqueFd root = open_rootfs(inst);
    UniqueFd parent;
    try {
        parent = open_in_root(root.get(), sp.parent, O_PATH | O_DIRECTORY);
    } catch (const Error &e) {
        fail(e.code(), "Parent directory of %s: %s", path, e.what());
    }
    Idmap map = disk_idmap(inst);
    const bool set_owner = info->uid >= 0 || info->gid >= 0;
    uid_t uid = uid_t(to_host(map, info->uid >= 0 ? info->uid : 0, true));
    gid_t gid = gid_t(to_host(map, info->gid >= 0 ? info->gid : 0, false));
    const int p = parent.get();
    const char *base = sp.base.c_str();

    switch (info->type) {
    case LXDP_FILE_REGULAR: {
        bool created = true;
        // Creating exclusively first tells a new file (defaults apply) from an existing one.
        UniqueFd fd(openat(p, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd && errno == EEXIST) {
            created = false;
            int mode = info->write_mode == LXDP_FILE_WRITE_APPEND ? O_APPEND : O_TRUNC;
            fd.reset(openat(p, base, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | mode));
        }
        if (!fd)
            fail_errno(errno, "Failed to open %s for writing", path);
        struct stat st;
        if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
            fail(LXDP_E_INVAL, "%s is not a regular file", path);
        if ((created || set_owner) && fchown(fd.get(), info->uid >= 0 || created ? uid : uid_t(-1),
                                             info->gid >= 0 || created ? gid : gid_t(-1)) != 0)
            fail_errno(errno, "Failed to chown %s", path);
        copy_from_source(content, fd.get());
        if ((created || info->mode >= 0) && fchmod(fd.get(), info->mode >= 0 ? mode_t(info->mode & 07777) : 0644) != 0)
            fail_errno(errno, "Failed to chmod %s", path);
        break;
    }
    case LXDP_FILE_DIRECTORY: {
        mode_t mode = info->mode >= 0 ? mode_t(info->mode & 07777) : 0755;
        bool created = mkdirat(p, base, 0700) == 0;
        if (!created && errno != EEXIST)
            fail_errno(errno, "Failed to create directory %s", path);
        UniqueFd fd(openat(p, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd)
            fail_errno(errno == ENOTDIR || errno == ELOOP ? EEXIST : errno, "Failed to open directory %s", path);
        if ((created || set_owner) && fchown(fd.get(), info->uid >= 0 || created ? uid : uid_t(-1),
                                             info->gid >= 0 || created ? gid : gid_t(-1)) != 0)
            fail_errno(errno, "Failed to chown %s", path);
        if ((created || info->mode >= 0) && fchmod(fd.get(), mode) != 0)
            fail_errno(errno, "Failed to chmod %s", path);
        break;
    }
    case LXDP_FILE_SYMLINK: {
        std::string target = read_all(content);
        if (target.empty() || target.find('\0') != std::string::npos)
            fail(LXDP_E_INVAL, "Invalid symlink target for %s", path);
        if (symlinkat(target.c_str(), p, base) != 0)
            fail_errno(errno, "Failed to create symlink %s", path);
        if (fchownat(p, base, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
            fail_errno(errno, "Failed to chown %s", path);
        break;
    }
    default:
        fail(LXDP_E_INVAL, "Unknown file type %u", info->type);
    }
}

void file_delete(const InstanceView &inst, const char *path) {
    SplitPath sp = split(path);
    UniqueFd root = open_rootfs(inst);
    UniqueFd parent = open_in_root(root.get(), sp.parent, O_PATH | O_DIRECTORY);
    struct stat st;
    if (fstatat(parent.get(), sp.base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        fail_errno(errno, "Not Found: %s", path);
    if (unlinkat(parent.get(), sp.base.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0)
        fail_errno(errno, "Failed to delete %s", path);
}

} // namespace lxdp_lxc
