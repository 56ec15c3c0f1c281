#include "lxc_idmap.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <cctype>
#include <fstream>
#include <memory>
#include <set>
#include <utility>

namespace lxdp_lxc {

namespace {

constexpr int64_t kDefaultBase = 1000000;
constexpr int64_t kDefaultRange = 1000000000;

// First range of /etc/sub[ug]id granted to root (by name or uid), as upstream picks it.
std::optional<std::pair<int64_t, int64_t>> subid_range(const char *path) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        auto a = line.find(':');
        auto b = line.find(':', a == std::string::npos ? a : a + 1);
        if (a == std::string::npos || b == std::string::npos)
            continue;
        std::string owner = line.substr(0, a);
        if (owner != "root" && owner != "0")
            continue;
        try {
            int64_t start = std::stoll(line.substr(a + 1, b - a - 1));
            int64_t size = std::stoll(line.substr(b + 1));
            if (start >= 0 && size > 0)
                return std::make_pair(start, size);
        } catch (const std::exception &) {
        }
    }
    return std::nullopt;
}

class JsonReader {
public:
    explicit JsonReader(std::string_view s) : s_(s) {}
    void skip_ws() {
        while (pos_ < s_.size() && std::strchr(" \t\r\n", s_[pos_]) != nullptr)
            pos_++;
    }
    bool accept(char c) {
        skip_ws();
        if (pos_ < s_.size() && s_[pos_] == c) {
            pos_++;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!accept(c))
            bad();
    }
    std::string_view string() {
        expect('"');
        size_t end = s_.find('"', pos_);
        if (end == std::string_view::npos)
            bad();
        std::string_view v = s_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return v;
    }
    int64_t value() {
        skip_ws();
        if (s_.substr(pos_, 4) == "true") {
            pos_ += 4;
            return 1;
        }
        if (s_.substr(pos_, 5) == "false") {
            pos_ += 5;
            return 0;
        }
        size_t start = pos_;
        while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '-'))
            pos_++;
        // from_chars, not stoll: "-", "1-2" or an overflow is bad input, not an escaping exception.
        int64_t v = 0;
        auto [end, ec] = std::from_chars(s_.data() + start, s_.data() + pos_, v);
        if (start == pos_ || ec != std::errc() || end != s_.data() + pos_)
            bad();
        return v;
    }
    bool at_end() {
        skip_ws();
        return pos_ == s_.size();
    }
    [[noreturn]] void bad() const {
        fail(LXDP_E_INVAL, "Invalid idmap JSON at offset %zu: %.*s", pos_, int(s_.size()), s_.data());
    }

private:
    std::string_view s_;
    size_t pos_ = 0;
};

std::optional<int64_t> remap(const Idmap &from, const Idmap &to, int64_t hostid, bool uid) {
    auto ns = idmap_to_ns(from, hostid, uid);
    if (!ns)
        return std::nullopt;
    return idmap_to_host(to, *ns, uid);
}

// Walks a rootfs with *at() calls on O_PATH/O_NOFOLLOW fds only, so that a path swapped for a
// symlink while we work can never redirect a chown or chmod to the host (CVE-2015-1340).
class Shifter {
public:
    Shifter(const Driver &drv, const Idmap &from, const Idmap &to, lxdp_op *op)
        : drv_(drv), from_(from), to_(to), op_(op) {}

    void run(int rootfd) {
        struct stat st;
        if (fstat(rootfd, &st) != 0)
            fail_errno(errno, "Failed to stat the rootfs");
        dev_ = st.st_dev;
        shift_inode(rootfd, st);
        walk(rootfd);
        if (unmapped_ > 0)
            drv_.log(LXDP_LOG_WARN, "%lu inodes kept their owner: ids outside the idmap", unmapped_);
    }

private:
    void walk(int dirfd) {
        int dupfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
        if (dupfd < 0)
            fail_errno(errno, "Failed to duplicate a directory fd");
        DIR *dir = fdopendir(dupfd);
        if (dir == nullptr) {
            int e = errno;
            close(dupfd);
            fail_errno(e, "Failed to read a rootfs directory");
        }
        std::unique_ptr<DIR, int (*)(DIR *)> guard(dir, closedir);
        while (true) {
            errno = 0;
            struct dirent *de = readdir(dir);
            if (de == nullptr) {
                if (errno != 0)
                    fail_errno(errno, "Failed to read a rootfs directory");
                break;
            }
            if (std::strcmp(de->d_name, ".") == 0 || std::strcmp(de->d_name, "..") == 0)
                continue;
            visit(dirfd, de->d_name);
        }
    }

    void visit(int dirfd, const char *name) {
        if (++count_ % 4096 == 0 && op_ != nullptr && drv_.host()->op_cancelled != nullptr &&
            drv_.host()->op_cancelled(op_))
            fail(LXDP_E_CANCELLED, "Shifting the rootfs was cancelled");
        UniqueFd fd(openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!fd)
            fail_errno(errno, "Failed to open %s while shifting the rootfs", name);
        struct stat st;
        if (fstat(fd.get(), &st) != 0)
            fail_errno(errno, "Failed to stat %s while shifting the rootfs", name);
        // Another filesystem mounted inside the rootfs is not ours to re-own.
        if (st.st_dev != dev_)
            return;
        if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && !seen_.insert({st.st_dev, st.st_ino}).second)
            return; // a hard link already shifted through another name
        shift_inode(fd.get(), st);
        if (S_ISDIR(st.st_mode)) {
            UniqueFd dfd(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            struct stat dst;
            if (!dfd || fstat(dfd.get(), &dst) != 0 || dst.st_ino != st.st_ino || dst.st_dev != st.st_dev)
                fail(LXDP_E_IO, "Directory %s changed while shifting the rootfs", name);
            walk(dfd.get());
        }
    }

    std::optional<std::string> read_xattr(const std::string &path, const char *name) {
        char buf[4096];
        ssize_t n = getxattr(path.c_str(), name, buf, sizeof(buf));
        if (n < 0)
            return std::nullopt;
        return std::string(buf, size_t(n));
    }

    void write_xattr(const std::string &path, const char *name, const std::string &value) {
        if (setxattr(path.c_str(), name, value.data(), value.size(), 0) != 0)
            fail_errno(errno, "Failed to restore %s while shifting the rootfs", name);
    }

    // POSIX ACL xattrs: a 4-byte header, then {u16 tag, u16 perm, u32 id} entries.
    std::string shift_acl(std::string acl) {
        constexpr uint16_t kAclUser = 0x02, kAclGroup = 0x08;
        for (size_t off = 4; off + 8 <= acl.size(); off += 8) {
            uint16_t tag;
            uint32_t id;
            std::memcpy(&tag, acl.data() + off, 2);
            std::memcpy(&id, acl.data() + off + 4, 4);
            if (tag != kAclUser && tag != kAclGroup)
                continue;
            auto n = remap(from_, to_, id, tag == kAclUser);
            if (!n)
                continue;
            id = uint32_t(*n);
            std::memcpy(acl.data() + off + 4, &id, 4);
        }
        return acl;
    }

    // File capabilities carry the host uid of the root they are valid for: v2 means host root,
    // v3 names it. Shifting moves that rootid along with the owners.
    std::optional<std::string> shift_caps(const std::string &caps) {
        if (caps.size() < XATTR_CAPS_SZ_2)
            return std::nullopt;
        vfs_ns_cap_data data{};
        std::memcpy(&data, caps.data(), std::min(caps.size(), sizeof(data)));
        uint32_t rev = data.magic_etc & VFS_CAP_REVISION_MASK;
        int64_t rootid = rev == VFS_CAP_REVISION_3 && caps.size() >= XATTR_CAPS_SZ_3 ? data.rootid : 0;
        auto n = remap(from_, to_, rootid, true);
        if (!n)
            return std::nullopt;
        uint32_t flags = data.magic_etc & ~VFS_CAP_REVISION_MASK;
        if (*n == 0) {
            data.magic_etc = VFS_CAP_REVISION_2 | flags;
            return std::string(reinterpret_cast<const char *>(&data), XATTR_CAPS_SZ_2);
        }
        data.magic_etc = VFS_CAP_REVISION_3 | flags;
        data.rootid = uint32_t(*n);
        return std::string(reinterpret_cast<const char *>(&data), XATTR_CAPS_SZ_3);
    }

    void shift_inode(int fd, const struct stat &st) {
        auto uid = remap(from_, to_, st.st_uid, true);
        auto gid = remap(from_, to_, st.st_gid, false);
        if (!uid || !gid)
            unmapped_++;
        uid_t nuid = uid ? uid_t(*uid) : st.st_uid;
        gid_t ngid = gid ? gid_t(*gid) : st.st_gid;
        bool link = S_ISLNK(st.st_mode);
        // O_PATH fds cannot be used for xattrs or chmod; their /proc magic link can, and it
        // designates exactly this inode.
        std::string path = "/proc/self/fd/" + std::to_string(fd);
        std::optional<std::string> caps, acl_access, acl_default;
        if (!link) {
            if (S_ISREG(st.st_mode))
                caps = read_xattr(path, "security.capability");
            acl_access = read_xattr(path, "system.posix_acl_access");
            if (S_ISDIR(st.st_mode))
                acl_default = read_xattr(path, "system.posix_acl_default");
        }
        if ((nuid != st.st_uid || ngid != st.st_gid) &&
            fchownat(fd, "", nuid, ngid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0)
            fail_errno(errno, "Failed to chown an inode of the rootfs");
        if (link)
            return;
        if (acl_access)
            write_xattr(path, "system.posix_acl_access", shift_acl(*acl_access));
        if (acl_default)
            write_xattr(path, "system.posix_acl_default", shift_acl(*acl_default));
        if (caps) {
            // chown dropped the xattr; a capability we cannot remap stays dropped.
            if (auto shifted = shift_caps(*caps))
                write_xattr(path, "security.capability", *shifted);
        }
        // chown clears setuid/setgid: put them back.
        if ((st.st_mode & (S_ISUID | S_ISGID)) != 0 && chmod(path.c_str(), st.st_mode & 07777) != 0)
            fail_errno(errno, "Failed to restore the mode of an inode of the rootfs");
    }

    const Driver &drv_;
    const Idmap &from_;
    const Idmap &to_;
    lxdp_op *op_;
    dev_t dev_ = 0;
    unsigned long count_ = 0;
    unsigned long unmapped_ = 0;
    std::set<std::pair<dev_t, ino_t>> seen_;
};

} // namespace

Idmap instance_idmap(const InstanceView &inst) {
    if (inst.privileged())
        return {};
    // An isolated container's own range and raw.idmap's entries laid over a range are the
    // daemon's choice (it alone sees the other containers, and it checks raw.idmap), handed
    // over as volatile.idmap.next; until it has one, the shared map.
    const auto raw = inst.get("raw.idmap");
    if (inst.get_bool("security.idmap.isolated") || (raw && !raw->empty()))
        if (auto next = inst.get("volatile.idmap.next"); next && !next->empty())
            if (Idmap map = idmap_from_json(*next); !map.empty())
                return map;
    auto u = subid_range("/etc/subuid").value_or(std::make_pair(kDefaultBase, kDefaultRange));
    auto g = subid_range("/etc/subgid").value_or(std::make_pair(kDefaultBase, kDefaultRange));
    return {{true, false, u.first, 0, u.second}, {false, true, g.first, 0, g.second}};
}

Idmap disk_idmap(const InstanceView &inst) {
    if (auto v = inst.get("volatile.last_state.idmap"))
        return idmap_from_json(*v);
    return {};
}

std::string idmap_to_json(const Idmap &map) {
    std::string out = "[";
    for (const auto &e : map) {
        if (out.size() > 1)
            out += ",";
        out += std::string("{\"Isuid\":") + (e.isuid ? "true" : "false") +
               ",\"Isgid\":" + (e.isgid ? "true" : "false") + ",\"Hostid\":" + std::to_string(e.hostid) +
               ",\"Nsid\":" + std::to_string(e.nsid) + ",\"Maprange\":" + std::to_string(e.maprange) + "}";
    }
    return out + "]";
}

Idmap idmap_from_json(std::string_view json) {
    Idmap map;
    JsonReader r(json);
    if (r.at_end())
        return map;
    r.expect('[');
    if (r.accept(']'))
        return map;
    do {
        r.expect('{');
        IdmapEntry e;
        if (!r.accept('}')) {
            do {
                std::string_view key = r.string();
                r.expect(':');
                int64_t v = r.value();
                if (key == "Isuid")
                    e.isuid = v != 0;
                else if (key == "Isgid")
                    e.isgid = v != 0;
                else if (key == "Hostid")
                    e.hostid = v;
                else if (key == "Nsid")
                    e.nsid = v;
                else if (key == "Maprange")
                    e.maprange = v;
            } while (r.accept(','));
            r.expect('}');
        }
        if (e.hostid < 0 || e.nsid < 0 || e.maprange <= 0 || (!e.isuid && !e.isgid))
            r.bad();
        map.push_back(e);
    } while (r.accept(','));
    r.expect(']');
    if (!r.at_end())
        r.bad();
    return map;
}

std::vector<std::string> idmap_lxc_values(const Idmap &map) {
    std::vector<std::string> out;
    for (const auto &e : map) {
        std::string tail = " " + std::to_string(e.nsid) + " " + std::to_string(e.hostid) + " " +
                           std::to_string(e.maprange);
        if (e.isuid)
            out.push_back("u" + tail);
        if (e.isgid)
            out.push_back("g" + tail);
    }
    return out;
}

int64_t idmap_base(const Idmap &map) {
    for (const auto &e : map)
        if (e.isuid && e.nsid == 0)
            return e.hostid;
    return 0;
}

std::optional<int64_t> idmap_to_host(const Idmap &map, int64_t nsid, bool uid) {
    if (map.empty())
        return nsid;
    for (const auto &e : map)
        if ((uid ? e.isuid : e.isgid) && nsid >= e.nsid && nsid < e.nsid + e.maprange)
            return e.hostid + (nsid - e.nsid);
    return std::nullopt;
}

std::optional<int64_t> idmap_to_ns(const Idmap &map, int64_t hostid, bool uid) {
    if (map.empty())
        return hostid;
    for (const auto &e : map)
        if ((uid ? e.isuid : e.isgid) && hostid >= e.hostid && hostid < e.hostid + e.maprange)
            return e.nsid + (hostid - e.hostid);
    return std::nullopt;
}

void shift_rootfs(const Driver &drv, const std::string &volume_path, const Idmap &from, const Idmap &to,
                  lxdp_op *op) {
    if (from == to)
        return;
    UniqueFd vol(open(volume_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!vol)
        fail_errno(errno, "Failed to open the instance volume %s", volume_path.c_str());
    // An image could ship rootfs as a symlink to a host directory.
    UniqueFd root(openat(vol.get(), "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!root)
        fail_errno(errno, "Failed to open %s/rootfs", volume_path.c_str());
    drv.log(LXDP_LOG_INFO, "Shifting %s/rootfs from idmap %s to %s", volume_path.c_str(),
            idmap_to_json(from).c_str(), idmap_to_json(to).c_str());
    Shifter(drv, from, to, op).run(root.get());
}

void shift_tree(const Driver &drv, const std::string &path, const Idmap &from, const Idmap &to, lxdp_op *op) {
    if (from == to)
        return;
    UniqueFd root(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!root)
        fail_errno(errno, "Failed to open %s", path.c_str());
    drv.log(LXDP_LOG_INFO, "Shifting %s from idmap %s to %s", path.c_str(), idmap_to_json(from).c_str(),
            idmap_to_json(to).c_str());
    Shifter(drv, from, to, op).run(root.get());
}

} // namespace lxdp_lxc
