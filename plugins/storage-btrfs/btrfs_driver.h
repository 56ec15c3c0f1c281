// The btrfs driver's pool object and the functions of its ops table (btrfs_pool.cpp,
// btrfs_volumes.cpp).
#pragma once

#include <sys/types.h>

#include <exception>
#include <string>

#include <lxdp/storage.h>

#include "btrfs_utils.h"

namespace lxdp_btrfs {

// Where a pool's filesystem comes from.
enum class Backing {
    LoopFile,   // a sparse image file under $LXD_DIR/disks, made by the driver
    Device,     // a block device given as source, formatted by the driver
    Subvolume,  // a path on an existing btrfs filesystem, bind-mounted
};

struct Pool {
    const lxdp_host_api* host;
    std::string name;
    Backing backing;
    std::string source;        // the image file, device or btrfs path
    std::string size;          // loop files only: the size to create
    std::string mountOptions;  // btrfs.mount_options
    std::string mountPath;     // $LXD_DIR/storage-pools/<name>
};

// Thrown when err was already filled by someone else (the host's filler): pass the code on.
struct AlreadyReported {
    lxdp_status code;
};

// Every op runs its body here: no exception may cross the C boundary.
template <class F>
lxdp_status guard(lxdp_error* err, F&& body) noexcept {
    try {
        body();
        return LXDP_OK;
    } catch (const AlreadyReported& r) {
        return r.code;
    } catch (const Failure& f) {
        return lxdp_error_set(err, f.code, "%s", f.what());
    } catch (const std::exception& e) {
        return lxdp_error_set(err, LXDP_E_INTERNAL, "btrfs driver: %s", e.what());
    } catch (...) {
        return lxdp_error_set(err, LXDP_E_INTERNAL, "btrfs driver: unknown failure");
    }
}

inline Pool& poolOf(void* pool) { return *static_cast<Pool*>(pool); }

// ---- Shared by the volume operations (btrfs_volumes.cpp, btrfs_streams.cpp) ----

// The same volume under another name (kept alive by the caller's string).
lxdp_volume renamed(const lxdp_volume& vol, const std::string& name);
std::string pathOf(const Pool& p, const lxdp_volume& vol);
// Instances' volumes are 0100 as upstream's mountpoints: no host user reaches their rootfs (the
// instance driver gives the directory to the container's root, who must cross it).
mode_t volumeMode(uint32_t type);
void requireExists(const std::string& path, const lxdp_volume& vol);
void requireAbsent(const std::string& path, const lxdp_volume& vol);
void renamePath(const std::string& from, const std::string& to);
// The directory of volumes (or snapshots) of a type, made when missing.
void makeTypeDir(const Pool& p, uint32_t type, bool snapshots);
// A volume's configured size applies from its creation on: the size of a block volume's image
// (the default one without a size), the quota of a filesystem volume.
void applyConfiguredSize(const Pool& p, const std::string& path, const lxdp_volume& vol);

// Runs body; when it throws, the subvolume made at path goes first.
template <class F>
void orDelete(const std::string& path, F&& body) {
    try {
        body();
    } catch (...) {
        try { deleteSubvolume(path); } catch (...) {}
        throw;
    }
}

lxdp_status probe(const lxdp_host_api* host, lxdp_error* err);
lxdp_status pool_validate(const lxdp_host_api* host, const lxdp_kv_list* config, lxdp_error* err);
lxdp_status pool_open(const lxdp_host_api* host, const char* name, const lxdp_kv_list* config, void** pool,
                      lxdp_error* err);
void pool_close(void* pool);
lxdp_status pool_create(void* pool, const lxdp_kv_sink* config_out, lxdp_error* err);
lxdp_status pool_delete(void* pool, lxdp_error* err);
lxdp_status pool_mount(void* pool, lxdp_error* err);
lxdp_status pool_unmount(void* pool, lxdp_error* err);
lxdp_status pool_usage(void* pool, uint64_t* used_bytes, uint64_t* total_bytes, lxdp_error* err);

lxdp_status volume_create(void* pool, const lxdp_volume* vol, const lxdp_filler* filler, lxdp_op* op,
                          lxdp_error* err);
lxdp_status volume_copy(void* pool, const lxdp_volume* dst, const lxdp_volume* src, lxdp_op* op, lxdp_error* err);
lxdp_status volume_delete(void* pool, const lxdp_volume* vol, lxdp_op* op, lxdp_error* err);
lxdp_status volume_rename(void* pool, const lxdp_volume* vol, const char* new_name, lxdp_error* err);
lxdp_status volume_snapshot(void* pool, const lxdp_volume* snap, lxdp_op* op, lxdp_error* err);
lxdp_status volume_restore(void* pool, const lxdp_volume* vol, const lxdp_volume* snap, lxdp_op* op,
                           lxdp_error* err);
lxdp_status volume_mount(void* pool, const lxdp_volume* vol, char* path, size_t path_len, lxdp_error* err);
lxdp_status volume_unmount(void* pool, const lxdp_volume* vol, lxdp_error* err);
lxdp_status volume_usage(void* pool, const lxdp_volume* vol, uint64_t* used_bytes, lxdp_error* err);
lxdp_status volume_set_size(void* pool, const lxdp_volume* vol, const char* size, lxdp_error* err);
lxdp_status volume_list(void* pool, const lxdp_volume_sink* out, lxdp_error* err);
lxdp_status volume_send(void* pool, const lxdp_volume* vol, const lxdp_volume* parent, int32_t fd, lxdp_op* op,
                        lxdp_error* err);
lxdp_status volume_receive(void* pool, const lxdp_volume* vol, int32_t fd, lxdp_op* op, lxdp_error* err);

}  // namespace lxdp_btrfs
