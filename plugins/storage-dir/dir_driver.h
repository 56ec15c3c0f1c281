// The dir driver's pool object and the functions of its ops table (dir_pool.cpp, dir_volumes.cpp).
#pragma once

#include <exception>
#include <string>

#include <lxdp/storage.h>

#include "dir_utils.h"

namespace lxdp_dir {

struct Pool {
    const lxdp_host_api* host;
    std::string name;
    std::string path;  // absolute
    bool defaultLocation;  // under $LXD_DIR/storage-pools, so the pool directory is ours to remove
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
        return lxdp_error_set(err, LXDP_E_INTERNAL, "dir driver: %s", e.what());
    } catch (...) {
        return lxdp_error_set(err, LXDP_E_INTERNAL, "dir driver: unknown failure");
    }
}

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

}  // namespace lxdp_dir
