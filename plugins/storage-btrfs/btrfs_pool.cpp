// Pool operations of the btrfs driver: make, mount and remove the pool's filesystem.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>

#include "btrfs_driver.h"
#include "command.h"

namespace lxdp_btrfs {
namespace {

const char* find(const lxdp_kv_list* config, const char* key) {
    if (config == nullptr) return nullptr;
    for (uint32_t i = 0; i < config->count; ++i)
        if (config->items[i].key != nullptr && std::strcmp(config->items[i].key, key) == 0) return config->items[i].value;
    return nullptr;
}

std::string valueOf(const lxdp_kv_list* config, const char* key) {
    const char* v = find(config, key);
    return v != nullptr ? v : "";
}

std::string varDir(const lxdp_host_api* host) {
    std::string dir = hostConfig(host, LXDP_HOST_KEY_VAR_DIR);
    if (dir.empty()) throw Failure(LXDP_E_INTERNAL, "the host gave no var dir");
    return dir;
}

bool kernelHasBtrfs() {
    std::ifstream in("/proc/filesystems");
    std::string line;
    while (std::getline(in, line))
        if (line.size() >= 5 && line.compare(line.size() - 5, 5, "btrfs") == 0) return true;
    return false;
}

// A new, sparse image file of the given size, formatted; nothing left when a step fails.
void makeLoopFile(const Pool& p) {
    const uint64_t bytes = parseSize(p.size);
    int fd = ::open(p.source.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            throw Failure(LXDP_E_EXISTS, "pool " + p.name + ": " + p.source + " already exists; remove it or use another pool name");
        failErrno("create " + p.source);
    }
    const bool sized = ::ftruncate(fd, static_cast<off_t>(bytes)) == 0;
    const int truncateErrno = errno;
    ::close(fd);
    try {
        if (!sized) {
            errno = truncateErrno;
            failErrno("size " + p.source + " to " + p.size);
        }
        runCommand(p.host, {"mkfs.btrfs", "-q", "-L", p.name, p.source});
    } catch (...) {
        ::unlink(p.source.c_str());
        throw;
    }
}

// The pool's own top-level directories, as upstream lays a pool out.
void makeLayout(const Pool& p) {
    for (size_t i = 0; i < lxdp_dir::kPoolDirCount; ++i)
        lxdp_dir::makeDir(p.mountPath + "/" + lxdp_dir::kPoolDirs[i].name, lxdp_dir::kPoolDirs[i].mode);
}

void requireEmptyLayout(const Pool& p) {
    for (size_t i = 0; i < lxdp_dir::kPoolDirCount; ++i) {
        const std::string dir = p.mountPath + "/" + lxdp_dir::kPoolDirs[i].name;
        if (lxdp_dir::exists(dir) && !lxdp_dir::isEmptyDir(dir))
            throw Failure(LXDP_E_BUSY, "pool " + p.name + " still holds volumes in " + dir);
    }
}

void unmount(const Pool& p) {
    if (isMountPoint(p.mountPath)) runCommand(p.host, {"umount", p.mountPath});
    if (p.backing != Backing::LoopFile || !lxdp_dir::exists(p.source)) return;
    // mount(8) attached the loop device with autoclear; one left from elsewhere is detached too,
    // so that an unmounted pool holds no loop device.
    std::string attached = runCommand(p.host, {"losetup", "-j", p.source, "-O", "NAME", "-n"});
    size_t pos = 0;
    while (pos < attached.size()) {
        size_t end = attached.find('\n', pos);
        std::string dev = attached.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        if (!dev.empty()) runCommand(p.host, {"losetup", "-d", dev});
        if (end == std::string::npos) break;
        pos = end + 1;
    }
}

// Mounts the pool's filesystem at its mount path (idempotent).
void mountFilesystem(const Pool& p) {
    lxdp_dir::makeDir(p.mountPath.substr(0, p.mountPath.find_last_of('/')), 0711);
    lxdp_dir::makeDir(p.mountPath, 0711);
    if (isMountPoint(p.mountPath)) return;
    switch (p.backing) {
    case Backing::LoopFile:
        runCommand(p.host, {"mount", "-t", "btrfs", "-o", "loop" + (p.mountOptions.empty() ? "" : "," + p.mountOptions),
                            p.source, p.mountPath});
        break;
    case Backing::Device:
        if (p.mountOptions.empty()) runCommand(p.host, {"mount", "-t", "btrfs", p.source, p.mountPath});
        else runCommand(p.host, {"mount", "-t", "btrfs", "-o", p.mountOptions, p.source, p.mountPath});
        break;
    case Backing::Subvolume:
        // Mount options belong to the filesystem the subvolume lives on, which is not ours.
        runCommand(p.host, {"mount", "--bind", p.source, p.mountPath});
        break;
    }
}

}  // namespace

lxdp_status probe(const lxdp_host_api* host, lxdp_error* err) {
    return guard(err, [&] {
        if (!kernelHasBtrfs())
            throw Failure(LXDP_E_NOTSUP, "the kernel has no btrfs support (btrfs is not in /proc/filesystems: modprobe btrfs)");
        // Looked up, not run: two processes at every daemon start only to learn they exist.
        for (const char* tool : {"btrfs", "mkfs.btrfs"})
            if (!lxdp_cmd::have_tool(tool))
                throw Failure(LXDP_E_NOTSUP, std::string("btrfs-progs are missing (install btrfs-progs): no ") + tool);
    });
}

lxdp_status pool_validate(const lxdp_host_api*, const lxdp_kv_list* config, lxdp_error* err) {
    return guard(err, [&] {
        static const std::set<std::string> known{"source",        "size",        "btrfs.mount_options",
                                                 "volume.size",   "rsync.bwlimit", "rsync.compression",
                                                 "volatile.pool.pristine"};
        for (uint32_t i = 0; config != nullptr && i < config->count; ++i) {
            const std::string key = config->items[i].key != nullptr ? config->items[i].key : "";
            // Other "volume.*" keys are defaults of the common volume keys, which the host checks.
            const bool volumeDefault = key.rfind("volume.", 0) == 0 && key.rfind("volume.btrfs.", 0) != 0;
            if (known.count(key) || key.rfind("user.", 0) == 0 || volumeDefault) continue;
            throw Failure(LXDP_E_INVAL, "the btrfs driver does not support the pool config key \"" + key + "\"");
        }
        const std::string source = valueOf(config, "source");
        if (!source.empty() && source.front() != '/')
            throw Failure(LXDP_E_INVAL, "source must be an absolute path (a block device or a btrfs path), not \"" + source + "\"");
        const std::string size = valueOf(config, "size");
        if (!size.empty()) {
            parseSize(size);
            if (!source.empty() && !isRegularFile(source))
                throw Failure(LXDP_E_INVAL, "size applies to loop-file pools only, not to source " + source);
        }
        if (!valueOf(config, "volume.size").empty()) parseSize(valueOf(config, "volume.size"));
    });
}

lxdp_status pool_open(const lxdp_host_api* host, const char* name, const lxdp_kv_list* config, void** pool,
                      lxdp_error* err) {
    return guard(err, [&] {
        const std::string dir = varDir(host);
        auto p = std::make_unique<Pool>();
        p->host = host;
        p->name = name;
        p->source = valueOf(config, "source");
        p->size = valueOf(config, "size");
        p->mountOptions = find(config, "btrfs.mount_options") != nullptr ? valueOf(config, "btrfs.mount_options")
                                                                         : "user_subvol_rm_allowed";
        p->mountPath = dir + "/storage-pools/" + p->name;
        // A pool without source gets a loop file; once created, its source is that file.
        if (p->source.empty()) {
            p->backing = Backing::LoopFile;
            p->source = dir + "/disks/" + p->name + ".img";
            if (p->size.empty()) p->size = defaultLoopSize(dir);
        } else if (isRegularFile(p->source)) {
            p->backing = Backing::LoopFile;
        } else if (p->source.rfind("/dev/", 0) == 0 || isBlockDevice(p->source)) {
            p->backing = Backing::Device;
        } else {
            p->backing = Backing::Subvolume;
        }
        *pool = p.release();
    });
}

void pool_close(void* pool) { delete static_cast<Pool*>(pool); }

lxdp_status pool_create(void* pool, const lxdp_kv_sink* config_out, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        switch (p.backing) {
        case Backing::LoopFile:
            lxdp_dir::makeDir(p.source.substr(0, p.source.find_last_of('/')), 0700);
            makeLoopFile(p);
            if (config_out != nullptr) config_out->set(config_out->ctx, "size", p.size.c_str());
            break;
        case Backing::Device:
            if (!isBlockDevice(p.source)) throw Failure(LXDP_E_INVAL, "source " + p.source + " is not a block device");
            // No -f: mkfs.btrfs refuses a device that holds a filesystem, which is the user's to wipe.
            runCommand(p.host, {"mkfs.btrfs", "-q", "-L", p.name, p.source});
            break;
        case Backing::Subvolume: {
            const std::string parent = p.source.substr(0, std::max<size_t>(p.source.find_last_of('/'), 1));
            if (lxdp_dir::exists(p.source)) {
                if (!onBtrfs(p.source) || !isDirectory(p.source))
                    throw Failure(LXDP_E_INVAL, "source " + p.source + " is neither a block device nor a directory on btrfs");
                if (!lxdp_dir::isEmptyDir(p.source))
                    throw Failure(LXDP_E_INVAL, "source " + p.source + " is not empty");
            } else {
                if (!onBtrfs(parent))
                    throw Failure(LXDP_E_INVAL, "source " + p.source + " does not exist and " + parent + " is not on btrfs");
                createSubvolume(p.source);
            }
            break;
        }
        }
        if (config_out != nullptr) config_out->set(config_out->ctx, "source", p.source.c_str());
    });
}

lxdp_status pool_mount(void* pool, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        mountFilesystem(p);
        try {
            if (::chmod(p.mountPath.c_str(), 0711) != 0) failErrno("chmod " + p.mountPath);
            makeLayout(p);
            // Quotas are the driver's own business on a filesystem it made; on a shared one they
            // are turned on with the first quota only (volume_set_size).
            if (p.backing != Backing::Subvolume) enableQuotas(p.host, p.mountPath);
        } catch (...) {
            try { unmount(p); } catch (...) {}
            throw;
        }
    });
}

lxdp_status pool_unmount(void* pool, lxdp_error* err) {
    return guard(err, [&] { unmount(poolOf(pool)); });
}

lxdp_status pool_delete(void* pool, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        // A subvolume source is reachable at its own path; the others must be mounted to look in.
        if (p.backing == Backing::Subvolume) {
            unmount(p);
            Pool at = p;
            at.mountPath = p.source;
            requireEmptyLayout(at);
            for (size_t i = 0; i < lxdp_dir::kPoolDirCount; ++i)
                if (::rmdir((p.source + "/" + lxdp_dir::kPoolDirs[i].name).c_str()) != 0 && errno != ENOENT)
                    failErrno("remove " + p.source + "/" + lxdp_dir::kPoolDirs[i].name);
        } else if (lxdp_dir::exists(p.source)) {
            // The host unmounted the pool already: look inside once more before destroying it.
            mountFilesystem(p);
            requireEmptyLayout(p);
            unmount(p);
            if (p.backing == Backing::LoopFile && ::unlink(p.source.c_str()) != 0 && errno != ENOENT)
                failErrno("remove " + p.source);
        }
        if (::rmdir(p.mountPath.c_str()) != 0 && errno != ENOENT) failErrno("remove " + p.mountPath);
    });
}

lxdp_status pool_usage(void* pool, uint64_t* used_bytes, uint64_t* total_bytes, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        struct statvfs fs {};
        if (::statvfs(p.mountPath.c_str(), &fs) != 0) failErrno("statvfs " + p.mountPath);
        *total_bytes = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
        *used_bytes = static_cast<uint64_t>(fs.f_blocks - fs.f_bfree) * fs.f_frsize;
    });
}

}  // namespace lxdp_btrfs
