// Volume operations of the dir driver: a volume is a directory, a snapshot a full copy of it.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>

#include "dir_block.h"
#include "dir_driver.h"

namespace lxdp_dir {
namespace {

Pool& poolOf(void* pool) { return *static_cast<Pool*>(pool); }

std::function<bool()> cancelledBy(const Pool& p, lxdp_op* op) {
    return [host = p.host, op] { return op != nullptr && host->op_cancelled(op) != 0; };
}

// The same volume under another name (kept alive by the caller's string).
lxdp_volume renamed(const lxdp_volume& vol, const std::string& name) {
    lxdp_volume copy = vol;
    copy.name = name.c_str();
    return copy;
}

// Instances' volumes are 0100 as upstream's mountpoints: no host user reaches their rootfs (the
// instance driver gives the directory to the container's root, who must cross it).
mode_t volumeMode(uint32_t type) { return type == LXDP_VOLUME_CONTAINER || type == LXDP_VOLUME_VM ? 0100 : 0700; }

void requireNotSnapshot(const lxdp_volume& vol) {
    if (!parseVolumeName(vol.name).snapshot.empty())
        throw Failure(LXDP_E_INVAL, "\"" + std::string(vol.name) + "\" names a snapshot, not a volume");
}

void requireExists(const std::string& path, const lxdp_volume& vol) {
    if (!exists(path)) throw Failure(LXDP_E_NOTFOUND, "volume \"" + std::string(vol.name) + "\" not found at " + path);
}

void requireAbsent(const std::string& path, const lxdp_volume& vol) {
    if (exists(path))
        throw Failure(LXDP_E_EXISTS, "volume \"" + std::string(vol.name) + "\" already exists at " + path);
}

// A copy to dst that leaves nothing behind when it fails.
void copyOrClean(const std::string& src, const std::string& dst, const std::function<bool()>& cancelled) {
    try {
        copyTree(src, dst, cancelled);
    } catch (...) {
        removeTree(dst);
        throw;
    }
}

void renamePath(const std::string& from, const std::string& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) failErrno("rename " + from + " to " + to);
}

// The directories a new snapshot of an existing volume goes in; the parent must exist, so no
// snapshot is ever left without its volume.
void prepareSnapshotDirs(const Pool& p, const lxdp_volume& snap) {
    const VolumeName n = parseVolumeName(snap.name);
    if (n.snapshot.empty())
        throw Failure(LXDP_E_INVAL, "snapshot name \"" + std::string(snap.name) + "\" has no \"/<snapshot>\"");
    requireExists(volumePath(p.path, renamed(snap, n.parent)), renamed(snap, n.parent));
    const PoolDir& dir = typeDir(snap.type, true);
    makeDir(p.path + "/" + dir.name, dir.mode);
    makeDir(snapshotsPath(p.path, snap), 0700);
}

}  // namespace

lxdp_status volume_create(void* pool, const lxdp_volume* vol, const lxdp_filler* filler, lxdp_op* op,
                          lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        requireNotSnapshot(*vol);
        const std::string path = volumePath(p.path, *vol);
        const PoolDir& dir = typeDir(vol->type, false);
        makeDir(p.path + "/" + dir.name, dir.mode);
        requireAbsent(path, *vol);
        makeDir(path, volumeMode(vol->type));
        if (vol->content == LXDP_CONTENT_BLOCK) {
            // The image at its configured size (or the default): there is nothing to fill.
            try {
                createBlockFile(path, false);
                const char* size = configValue(*vol, "size");
                resizeBlockFile(path, vol->name, size != nullptr ? size : "");
            } catch (...) {
                removeTree(path);
                throw;
            }
            return;
        }
        if (filler == nullptr) return;
        lxdp_status rc = filler->fill != nullptr ? filler->fill(filler->ctx, path.c_str(), op, err)
                                                 : lxdp_error_set(err, LXDP_E_INVAL, "filler without fill function");
        if (rc != LXDP_OK) {
            removeTree(path);
            throw AlreadyReported{rc};
        }
    });
}

lxdp_status volume_copy(void* pool, const lxdp_volume* dst, const lxdp_volume* src, lxdp_op* op, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        const std::string from = volumePath(p.path, *src);
        const std::string to = volumePath(p.path, *dst);
        requireExists(from, *src);
        requireAbsent(to, *dst);
        if (parseVolumeName(dst->name).snapshot.empty()) {
            const PoolDir& dir = typeDir(dst->type, false);
            makeDir(p.path + "/" + dir.name, dir.mode);
        } else {
            prepareSnapshotDirs(p, *dst);
        }
        copyOrClean(from, to, cancelledBy(p, op));
    });
}

lxdp_status volume_delete(void* pool, const lxdp_volume* vol, lxdp_op*, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        removeTree(volumePath(p.path, *vol));
        const std::string snapshots = snapshotsPath(p.path, *vol);
        if (parseVolumeName(vol->name).snapshot.empty()) removeTree(snapshots);
        else if (isEmptyDir(snapshots)) ::rmdir(snapshots.c_str());  // the last snapshot took its dir along
    });
}

lxdp_status volume_rename(void* pool, const lxdp_volume* vol, const char* new_name, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        const VolumeName old = parseVolumeName(vol->name);
        std::string newName = new_name != nullptr ? new_name : "";
        // A snapshot is renamed within its parent: "snap1" and "c1/snap1" mean the same.
        if (!old.snapshot.empty() && newName.find('/') == std::string::npos) newName = old.parent + "/" + newName;
        const lxdp_volume target = renamed(*vol, newName);
        const VolumeName fresh = parseVolumeName(target.name);
        if (fresh.snapshot.empty() != old.snapshot.empty() || (!old.snapshot.empty() && fresh.parent != old.parent))
            throw Failure(LXDP_E_INVAL, "cannot rename \"" + std::string(vol->name) + "\" to \"" + newName + "\"");
        const std::string from = volumePath(p.path, *vol);
        const std::string to = volumePath(p.path, target);
        requireExists(from, *vol);
        requireAbsent(to, target);
        renamePath(from, to);
        if (old.snapshot.empty() && exists(snapshotsPath(p.path, *vol)))
            renamePath(snapshotsPath(p.path, *vol), snapshotsPath(p.path, target));
    });
}

lxdp_status volume_snapshot(void* pool, const lxdp_volume* snap, lxdp_op* op, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        const std::string target = volumePath(p.path, *snap);
        prepareSnapshotDirs(p, *snap);
        requireAbsent(target, *snap);
        copyOrClean(volumePath(p.path, renamed(*snap, parseVolumeName(snap->name).parent)), target,
                    cancelledBy(p, op));
    });
}

lxdp_status volume_restore(void* pool, const lxdp_volume* vol, const lxdp_volume* snap, lxdp_op* op,
                           lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        requireNotSnapshot(*vol);
        std::string snapName = snap->name != nullptr ? snap->name : "";
        if (snapName.find('/') == std::string::npos) snapName = std::string(vol->name) + "/" + snapName;
        const lxdp_volume snapshot = renamed(*snap, snapName);
        const std::string path = volumePath(p.path, *vol);
        const std::string from = volumePath(p.path, snapshot);
        requireExists(path, *vol);
        requireExists(from, snapshot);
        // Copy beside the volume, then swap: the volume is never half restored. Volume names
        // never start with a dot, so these names cannot be another volume's.
        const std::string dir = path.substr(0, path.find_last_of('/') + 1);
        const std::string base = path.substr(dir.size());
        const std::string fresh = dir + "." + base + ".restoring";
        const std::string old = dir + "." + base + ".replaced";
        removeTree(fresh);
        removeTree(old);
        copyOrClean(from, fresh, cancelledBy(p, op));
        renamePath(path, old);
        try {
            renamePath(fresh, path);
        } catch (...) {
            renamePath(old, path);
            throw;
        }
        removeTree(old);
    });
}

lxdp_status volume_mount(void* pool, const lxdp_volume* vol, char* path, size_t path_len, lxdp_error* err) {
    return guard(err, [&] {
        // Dir volumes are always "mounted": the path is all there is to it.
        const std::string where = volumePath(poolOf(pool).path, *vol);
        requireExists(where, *vol);
        std::snprintf(path, path_len, "%s", where.c_str());
    });
}

lxdp_status volume_unmount(void*, const lxdp_volume*, lxdp_error*) { return LXDP_OK; }

lxdp_status volume_usage(void* pool, const lxdp_volume* vol, uint64_t* used_bytes, lxdp_error* err) {
    return guard(err, [&] {
        const std::string where = volumePath(poolOf(pool).path, *vol);
        requireExists(where, *vol);
        *used_bytes = treeUsage(where);
    });
}

lxdp_status volume_set_size(void* pool, const lxdp_volume* vol, const char* size, lxdp_error* err) {
    const std::string wanted = size != nullptr ? size : "";
    if (vol->content == LXDP_CONTENT_BLOCK)
        return guard(err, [&] { resizeBlockFile(volumePath(poolOf(pool).path, *vol), vol->name, wanted); });
    if (wanted.empty() || wanted == "0") return LXDP_OK;
    return lxdp_error_set(err, LXDP_E_NOTSUP, "dir pools don't support quotas here (size \"%s\")", size);
}

lxdp_status volume_list(void* pool, const lxdp_volume_sink* out, lxdp_error* err) {
    return guard(err, [&] {
        if (out == nullptr || out->add == nullptr) throw Failure(LXDP_E_INVAL, "volume_list without a sink");
        listVolumes(poolOf(pool).path, *out);
    });
}

}  // namespace lxdp_dir
