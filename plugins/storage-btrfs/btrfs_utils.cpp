#include "btrfs_utils.h"

#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <dirent.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lxdp_btrfs {
namespace {

// The subvolume root's inode number: a directory with it is a subvolume (or a filesystem root).
constexpr ino_t kSubvolumeRootIno = BTRFS_FIRST_FREE_OBJECTID;

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

int openDir(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) failErrno("open " + path);
    return fd;
}

std::pair<std::string, std::string> splitParent(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return {".", path};
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

void copyName(char* dst, size_t dstSize, const std::string& name) {
    if (name.empty() || name.size() >= dstSize) throw Failure(LXDP_E_INVAL, "invalid subvolume name \"" + name + "\"");
    std::memcpy(dst, name.c_str(), name.size() + 1);
}

// Collects a command's stdout through the host's byte sink.
int32_t appendOutput(void* ctx, const void* data, size_t len) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), len);
    return 0;
}

// mountinfo escapes blanks and backslashes in paths as \ooo.
std::string unescapeMountPath(const std::string& field) {
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size() && std::isdigit(static_cast<unsigned char>(field[i + 1]))) {
            out.push_back(static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8)));
            i += 3;
        } else {
            out.push_back(field[i]);
        }
    }
    return out;
}

void destroyAt(int parentFd, const std::string& name, const std::string& shown);

// Deletes every subvolume nested anywhere below the open directory dirFd (a container may make
// its own): btrfs refuses to delete a subvolume that still holds others.
void destroyNested(int dirFd, const std::string& shown) {
    int copy = ::fcntl(dirFd, F_DUPFD_CLOEXEC, 0);
    DIR* dir = copy >= 0 ? ::fdopendir(copy) : nullptr;
    if (dir == nullptr) {
        if (copy >= 0) ::close(copy);
        failErrno("read " + shown);
    }
    std::vector<std::string> dirs;
    while (dirent* e = ::readdir(dir)) {
        if (e->d_type == DT_DIR && std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
            dirs.emplace_back(e->d_name);
    }
    ::closedir(dir);
    for (const auto& name : dirs) {
        struct stat st {};
        if (::fstatat(dirFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) continue;
        if (st.st_ino == kSubvolumeRootIno) {
            destroyAt(dirFd, name, shown + "/" + name);
        } else {
            Fd child(::openat(dirFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (child.get() >= 0) destroyNested(child.get(), shown + "/" + name);
        }
    }
}

void destroyAt(int parentFd, const std::string& name, const std::string& shown) {
    btrfs_ioctl_vol_args args{};
    copyName(args.name, sizeof args.name, name);
    if (::ioctl(parentFd, BTRFS_IOC_SNAP_DESTROY, &args) == 0) return;
    if (errno != ENOTEMPTY) failErrno("delete subvolume " + shown);
    {
        Fd self(::openat(parentFd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (self.get() < 0) failErrno("open " + shown);
        destroyNested(self.get(), shown);
    }
    if (::ioctl(parentFd, BTRFS_IOC_SNAP_DESTROY, &args) != 0) failErrno("delete subvolume " + shown);
}

}  // namespace

std::string hostConfig(const lxdp_host_api* host, const char* key) {
    std::string value(256, '\0');
    size_t len = host->config_get(host->host, key, value.data(), value.size());
    if (len >= value.size()) {
        value.assign(len + 1, '\0');
        len = host->config_get(host->host, key, value.data(), value.size());
    }
    value.resize(std::min(len, value.size() - 1));
    return value;
}

std::string runCommand(const lxdp_host_api* host, const std::vector<std::string>& argv, lxdp_op* op, int inFd) {
    std::vector<const char*> args;
    for (const auto& a : argv) args.push_back(a.c_str());
    args.push_back(nullptr);
    std::string out;
    const lxdp_byte_sink sink{sizeof(lxdp_byte_sink), 0, appendOutput, &out};
    lxdp_command cmd{};
    cmd.struct_size = sizeof cmd;
    cmd.argv = args.data();
    cmd.out = &sink;
    cmd.in_fd = inFd;
    lxdp_error err{};
    err.struct_size = sizeof err;
    int32_t status = 0;
    std::string line;
    for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
    lxdp_status rc = host->run_command(host->host, &cmd, op, &status, &err);
    if (rc != LXDP_OK) throw Failure(rc, "cannot run \"" + line + "\": " + err.message);
    if (status != 0) {
        std::string why = err.message;
        while (!why.empty() && std::isspace(static_cast<unsigned char>(why.back()))) why.pop_back();
        throw Failure(LXDP_E_IO, "\"" + line + "\" failed (exit " + std::to_string(status) + "): " + why);
    }
    return out;
}

std::string defaultLoopSize(const std::string& dir) {
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) != 0) failErrno("statvfs " + dir);
    const uint64_t freeGiB = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize / (1ull << 30);
    return std::to_string(std::clamp<uint64_t>(freeGiB / 5, 5, 30)) + "GiB";
}

bool isMountPoint(const std::string& path) {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, dev, root, where;
        fields >> id >> parent >> dev >> root >> where;
        if (unescapeMountPath(where) == path) return true;
    }
    return false;
}

bool onBtrfs(const std::string& path) {
    struct statfs fs {};
    return ::statfs(path.c_str(), &fs) == 0 && fs.f_type == BTRFS_SUPER_MAGIC;
}

bool isBlockDevice(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISBLK(st.st_mode);
}

bool isRegularFile(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool isDirectory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void createSubvolume(const std::string& path) {
    auto [parent, name] = splitParent(path);
    Fd dir(openDir(parent));
    btrfs_ioctl_vol_args args{};
    copyName(args.name, sizeof args.name, name);
    if (::ioctl(dir.get(), BTRFS_IOC_SUBVOL_CREATE, &args) != 0) failErrno("create subvolume " + path);
}

void snapshotSubvolume(const std::string& src, const std::string& dst, bool readOnly) {
    Fd from(openDir(src));
    auto [parent, name] = splitParent(dst);
    Fd dir(openDir(parent));
    btrfs_ioctl_vol_args_v2 args{};
    args.fd = from.get();
    args.flags = readOnly ? BTRFS_SUBVOL_RDONLY : 0;
    copyName(args.name, sizeof args.name, name);
    if (::ioctl(dir.get(), BTRFS_IOC_SNAP_CREATE_V2, &args) != 0) failErrno("snapshot " + src + " to " + dst);
}

void makeReadOnly(const std::string& path) {
    Fd subvolume(openDir(path));
    uint64_t flags = 0;
    if (::ioctl(subvolume.get(), BTRFS_IOC_SUBVOL_GETFLAGS, &flags) != 0) failErrno("read the flags of " + path);
    flags |= BTRFS_SUBVOL_RDONLY;
    if (::ioctl(subvolume.get(), BTRFS_IOC_SUBVOL_SETFLAGS, &flags) != 0) failErrno("make " + path + " read-only");
}

void deleteSubvolume(const std::string& path) {
    if (!lxdp_dir::exists(path)) return;
    auto [parent, name] = splitParent(path);
    Fd dir(openDir(parent));
    destroyAt(dir.get(), name, path);
}

void deleteSubvolumesIn(const std::string& dir) {
    Fd fd(openDir(dir));
    destroyNested(fd.get(), dir);
}

bool hasNestedSubvolumes(const std::string& path) {
    Fd subvolume(openDir(path));
    btrfs_ioctl_get_subvol_rootref_args refs{};
    // EOVERFLOW: more children than one answer holds, so some.
    if (::ioctl(subvolume.get(), BTRFS_IOC_GET_SUBVOL_ROOTREF, &refs) != 0) {
        if (errno == EOVERFLOW) return true;
        failErrno("list the subvolumes in " + path);
    }
    return refs.num_items > 0;
}

namespace {

uint64_t rootIdOf(int fd, const std::string& path) {
    btrfs_ioctl_ino_lookup_args args{};
    args.objectid = BTRFS_FIRST_FREE_OBJECTID;
    if (::ioctl(fd, BTRFS_IOC_INO_LOOKUP, &args) != 0) failErrno("look up the subvolume id of " + path);
    return args.treeid;
}

}  // namespace

void sendSubvolume(const std::string& path, const std::string& parent, int fd) {
    Fd subvolume(openDir(path));
    btrfs_ioctl_send_args args{};
    args.send_fd = fd;
    __u64 parentRoot = 0;
    if (!parent.empty()) {
        Fd from(openDir(parent));
        parentRoot = rootIdOf(from.get(), parent);
        // The parent is also where extents may be cloned from, as btrfs send does.
        args.parent_root = parentRoot;
        args.clone_sources = &parentRoot;
        args.clone_sources_count = 1;
    }
    if (::ioctl(subvolume.get(), BTRFS_IOC_SEND, &args) != 0) failErrno("send " + path);
}

void makeWritable(const std::string& path) {
    Fd subvolume(openDir(path));
    uint64_t flags = 0;
    if (::ioctl(subvolume.get(), BTRFS_IOC_SUBVOL_GETFLAGS, &flags) != 0) failErrno("read the flags of " + path);
    flags &= ~static_cast<uint64_t>(BTRFS_SUBVOL_RDONLY);
    if (::ioctl(subvolume.get(), BTRFS_IOC_SUBVOL_SETFLAGS, &flags) != 0) failErrno("make " + path + " writable");
}

void clearReceivedUuid(const std::string& path) {
    Fd subvolume(openDir(path));
    // The kernel changes the received UUID of writable subvolumes only.
    btrfs_ioctl_received_subvol_args received{};
    if (::ioctl(subvolume.get(), BTRFS_IOC_SET_RECEIVED_SUBVOL, &received) != 0)
        failErrno("clear the received UUID of " + path);
}

void enableQuotas(const lxdp_host_api* host, const std::string& mountPath) {
    runCommand(host, {"btrfs", "quota", "enable", mountPath});
}

std::optional<Qgroup> qgroupOf(const lxdp_host_api* host, const std::string& path) {
    std::string out;
    try {
        out = runCommand(host, {"btrfs", "qgroup", "show", "-re", "--raw", "-f", "--sync", path});
    } catch (const Failure& f) {
        // Quotas off is a state, not a failure: the caller falls back.
        if (std::strstr(f.what(), "quotas not enabled") != nullptr || std::strstr(f.what(), "not enabled") != nullptr)
            return std::nullopt;
        throw;
    }
    // "0/258  5259264  5259264  20971520  none  path": the level-0 group is the subvolume's own.
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string id, rfer, excl, maxRfer;
        if (!(fields >> id >> rfer >> excl >> maxRfer) || id.rfind("0/", 0) != 0) continue;
        Qgroup q;
        q.referenced = std::stoull(rfer);
        if (maxRfer != "none") q.limit = std::stoull(maxRfer);
        return q;
    }
    throw Failure(LXDP_E_IO, "no qgroup found for " + path + " in the output of btrfs qgroup show");
}

void limitQgroup(const lxdp_host_api* host, const std::string& path, uint64_t bytes) {
    runCommand(host, {"btrfs", "qgroup", "limit", bytes == 0 ? std::string("none") : std::to_string(bytes), path});
}

}  // namespace lxdp_btrfs
