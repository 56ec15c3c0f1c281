// Volume operations of the btrfs driver: a volume is a subvolume, a snapshot a read-only btrfs
// snapshot of it, a copy a writable one.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "btrfs_driver.h"

namespace lxdp_btrfs {

using lxdp_dir::configValue;
using lxdp_dir::parseVolumeName;

lxdp_volume renamed(const lxdp_volume& vol, const std::string& name) {
    lxdp_volume copy = vol;
    copy.name = name.c_str();
    return copy;
}

std::string pathOf(const Pool& p, const lxdp_volume& vol) { return lxdp_dir::volumePath(p.mountPath, vol); }

mode_t volumeMode(uint32_t type) { return type == LXDP_VOLUME_CONTAINER || type == LXDP_VOLUME_VM ? 0100 : 0700; }

namespace {

void requireNotSnapshot(const lxdp_volume& vol) {
    if (!parseVolumeName(vol.name).snapshot.empty())
        throw Failure(LXDP_E_INVAL, "\"" + std::string(vol.name) + "\" names a snapshot, not a volume");
}

}  // namespace

void requireExists(const std::string& path, const lxdp_volume& vol) {
    if (!lxdp_dir::exists(path)) throw Failure(LXDP_E_NOTFOUND, "volume \"" + std::string(vol.name) + "\" not found at " + path);
}

void requireAbsent(const std::string& path, const lxdp_volume& vol) {
    if (lxdp_dir::exists(path))
        throw Failure(LXDP_E_EXISTS, "volume \"" + std::string(vol.name) + "\" already exists at " + path);
}

void makeTypeDir(const Pool& p, uint32_t type, bool snapshots) {
    const lxdp_dir::PoolDir& dir = lxdp_dir::typeDir(type, snapshots);
    lxdp_dir::makeDir(p.mountPath + "/" + dir.name, dir.mode);
}

void renamePath(const std::string& from, const std::string& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) failErrno("rename " + from + " to " + to);
}

namespace {

// Sets the quota of the subvolume at path; refuses one below what the volume already uses.
void applySize(const Pool& p, const std::string& path, const std::string& name, const std::string& size) {
    const uint64_t bytes = size.empty() ? 0 : parseSize(size);
    auto group = qgroupOf(p.host, path);
    if (bytes == 0) {
        if (group && group->limit) limitQgroup(p.host, path, 0);
        return;
    }
    if (!group) {
        enableQuotas(p.host, p.mountPath);
        group = qgroupOf(p.host, path);
    }
    if (group && group->referenced > bytes)
        throw Failure(LXDP_E_STORAGE_CANNOT_SHRINK, "volume \"" + name + "\" already uses " +
                                                        std::to_string(group->referenced) + " bytes, more than the size " +
                                                        size + " asked for");
    limitQgroup(p.host, path, bytes);
}

}  // namespace

void applyConfiguredSize(const Pool& p, const std::string& path, const lxdp_volume& vol) {
    const char* size = configValue(vol, "size");
    if (vol.content == LXDP_CONTENT_BLOCK) return lxdp_dir::resizeBlockFile(path, vol.name, size != nullptr ? size : "");
    if (size != nullptr && *size != '\0' && std::strcmp(size, "0") != 0) applySize(p, path, vol.name, size);
}

lxdp_status volume_create(void* pool, const lxdp_volume* vol, const lxdp_filler* filler, lxdp_op* op,
                          lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        requireNotSnapshot(*vol);
        const std::string path = pathOf(p, *vol);
        makeTypeDir(p, vol->type, false);
        requireAbsent(path, *vol);
        createSubvolume(path);
        orDelete(path, [&] {
            if (::chmod(path.c_str(), volumeMode(vol->type)) != 0) failErrno("chmod " + path);
            if (vol->content == LXDP_CONTENT_BLOCK) lxdp_dir::createBlockFile(path, true);
            if (filler != nullptr) {
                lxdp_status rc = filler->fill != nullptr ? filler->fill(filler->ctx, path.c_str(), op, err)
                                                         : lxdp_error_set(err, LXDP_E_INVAL, "filler without fill function");
                if (rc != LXDP_OK) throw AlreadyReported{rc};
            }
            applyConfiguredSize(p, path, *vol);
            // An image volume is the common origin of its instances' roots: it never changes.
            if (vol->type == LXDP_VOLUME_IMAGE) makeReadOnly(path);
        });
    });
}

lxdp_status volume_copy(void* pool, const lxdp_volume* dst, const lxdp_volume* src, lxdp_op*, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        const std::string from = pathOf(p, *src);
        const std::string to = pathOf(p, *dst);
        requireExists(from, *src);
        requireAbsent(to, *dst);
        const lxdp_dir::VolumeName n = parseVolumeName(dst->name);
        if (!n.snapshot.empty()) {
            // A snapshot of an existing volume (how a volume is copied with its snapshots):
            // read-only like every snapshot, with no quota of its own.
            requireExists(pathOf(p, renamed(*dst, n.parent)), *dst);
            makeTypeDir(p, dst->type, true);
            lxdp_dir::makeDir(lxdp_dir::snapshotsPath(p.mountPath, *dst), 0700);
            snapshotSubvolume(from, to, true);
            return;
        }
        makeTypeDir(p, dst->type, false);
        snapshotSubvolume(from, to, false);
        orDelete(to, [&] {
            if (::chmod(to.c_str(), volumeMode(dst->type)) != 0) failErrno("chmod " + to);
            applyConfiguredSize(p, to, *dst);
        });
    });
}

lxdp_status volume_delete(void* pool, const lxdp_volume* vol, lxdp_op*, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        deleteSubvolume(pathOf(p, *vol));
        if (vol->type == LXDP_VOLUME_IMAGE) return;  // images have no snapshots
        const std::string snapshots = lxdp_dir::snapshotsPath(p.mountPath, *vol);
        if (parseVolumeName(vol->name).snapshot.empty() && lxdp_dir::exists(snapshots)) {
            // A volume takes its snapshots along: each is a subvolume of the snapshots dir.
            deleteSubvolumesIn(snapshots);
            if (::rmdir(snapshots.c_str()) != 0) failErrno("remove " + snapshots);
        } else if (lxdp_dir::isEmptyDir(snapshots)) {
            ::rmdir(snapshots.c_str());  // the last snapshot took its dir along
        }
    });
}

lxdp_status volume_rename(void* pool, const lxdp_volume* vol, const char* new_name, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        const lxdp_dir::VolumeName old = parseVolumeName(vol->name);
        std::string newName = new_name != nullptr ? new_name : "";
        // A snapshot is renamed within its parent: "snap1" and "c1/snap1" mean the same.
        if (!old.snapshot.empty() && newName.find('/') == std::string::npos) newName = old.parent + "/" + newName;
        const lxdp_volume target = renamed(*vol, newName);
        const lxdp_dir::VolumeName fresh = parseVolumeName(target.name);
        if (fresh.snapshot.empty() != old.snapshot.empty() || (!old.snapshot.empty() && fresh.parent != old.parent))
            throw Failure(LXDP_E_INVAL, "cannot rename \"" + std::string(vol->name) + "\" to \"" + newName + "\"");
        const std::string from = pathOf(p, *vol);
        const std::string to = pathOf(p, target);
        requireExists(from, *vol);
        requireAbsent(to, target);
        renamePath(from, to);
        const std::string snapshots = lxdp_dir::snapshotsPath(p.mountPath, *vol);
        if (old.snapshot.empty() && lxdp_dir::exists(snapshots))
            renamePath(snapshots, lxdp_dir::snapshotsPath(p.mountPath, target));
    });
}

lxdp_status volume_snapshot(void* pool, const lxdp_volume* snap, lxdp_op*, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        const lxdp_dir::VolumeName n = parseVolumeName(snap->name);
        if (n.snapshot.empty())
            throw Failure(LXDP_E_INVAL, "snapshot name \"" + std::string(snap->name) + "\" has no \"/<snapshot>\"");
        const lxdp_volume parent = renamed(*snap, n.parent);
        const std::string source = pathOf(p, parent);
        const std::string target = pathOf(p, *snap);
        requireExists(source, parent);
        requireAbsent(target, *snap);
        makeTypeDir(p, snap->type, true);
        lxdp_dir::makeDir(lxdp_dir::snapshotsPath(p.mountPath, *snap), 0700);
        snapshotSubvolume(source, target, true);
    });
}

lxdp_status volume_restore(void* pool, const lxdp_volume* vol, const lxdp_volume* snap, lxdp_op*, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        requireNotSnapshot(*vol);
        std::string snapName = snap->name != nullptr ? snap->name : "";
        if (snapName.find('/') == std::string::npos) snapName = std::string(vol->name) + "/" + snapName;
        const lxdp_volume snapshot = renamed(*snap, snapName);
        const std::string path = pathOf(p, *vol);
        const std::string from = pathOf(p, snapshot);
        requireExists(path, *vol);
        requireExists(from, snapshot);
        // A writable snapshot beside the volume, then a swap: the volume is never half restored.
        // Volume names never start with a dot, so these names cannot be another volume's.
        const std::string dir = path.substr(0, path.find_last_of('/') + 1);
        const std::string base = path.substr(dir.size());
        const std::string fresh = dir + "." + base + ".restoring";
        const std::string old = dir + "." + base + ".replaced";
        deleteSubvolume(fresh);
        deleteSubvolume(old);
        snapshotSubvolume(from, fresh, false);
        // The quota belongs to the volume, not to the subvolume that holds it today.
        orDelete(fresh, [&] {
            if (::chmod(fresh.c_str(), volumeMode(vol->type)) != 0) failErrno("chmod " + fresh);
            auto group = qgroupOf(p.host, path);
            if (group && group->limit) limitQgroup(p.host, fresh, *group->limit);
            renamePath(path, old);
            try {
                renamePath(fresh, path);
            } catch (...) {
                renamePath(old, path);
                throw;
            }
        });
        deleteSubvolume(old);
    });
}

lxdp_status volume_mount(void* pool, const lxdp_volume* vol, char* path, size_t path_len, lxdp_error* err) {
    return guard(err, [&] {
        // Subvolumes are reachable as long as the pool is mounted.
        const std::string where = pathOf(poolOf(pool), *vol);
        requireExists(where, *vol);
        std::snprintf(path, path_len, "%s", where.c_str());
    });
}

lxdp_status volume_unmount(void*, const lxdp_volume*, lxdp_error*) { return LXDP_OK; }

lxdp_status volume_usage(void* pool, const lxdp_volume* vol, uint64_t* used_bytes, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        const std::string where = pathOf(p, *vol);
        requireExists(where, *vol);
        // The qgroup when quotas are on, else the files' blocks (a shared filesystem without quotas).
        auto group = qgroupOf(p.host, where);
        *used_bytes = group ? group->referenced : lxdp_dir::treeUsage(where);
    });
}

lxdp_status volume_set_size(void* pool, const lxdp_volume* vol, const char* size, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        const std::string where = pathOf(p, *vol);
        requireExists(where, *vol);
        const std::string wanted = size != nullptr && std::strcmp(size, "0") != 0 ? size : "";
        if (vol->content == LXDP_CONTENT_BLOCK) lxdp_dir::resizeBlockFile(where, vol->name, wanted);
        else applySize(p, where, vol->name, wanted);
    });
}

lxdp_status volume_list(void* pool, const lxdp_volume_sink* out, lxdp_error* err) {
    return guard(err, [&] {
        if (out == nullptr || out->add == nullptr) throw Failure(LXDP_E_INVAL, "volume_list without a sink");
        Pool& p = poolOf(pool);
        // An unmounted pool would list as empty: say so rather than report no volumes.
        if (!isMountPoint(p.mountPath)) throw Failure(LXDP_E_IO, "pool \"" + p.name + "\" is not mounted at " + p.mountPath);
        lxdp_dir::listVolumes(p.mountPath, *out);
    });
}

}  // namespace lxdp_btrfs
