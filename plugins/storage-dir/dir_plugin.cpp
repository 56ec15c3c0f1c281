// SPDX-License-Identifier: Apache-2.0
// The dir storage driver: volumes are plain directories of the pool's directory.
#include <lxdp/storage.h>

#include "dir_driver.h"

namespace lxdp_dir {
namespace {

const lxdp_storage_info impl_info = {
    .struct_size = sizeof(lxdp_storage_info),
    .flags = 0,
    .version = "1",
};

const lxdp_storage_info* info() { return &impl_info; }

// Directories work everywhere.
lxdp_status probe(const lxdp_host_api*, lxdp_error*) { return LXDP_OK; }

const lxdp_storage_ops impl_ops = {
    .struct_size = sizeof(lxdp_storage_ops),
    .info = info,
    .probe = probe,
    .pool_validate = pool_validate,
    .pool_open = pool_open,
    .pool_close = pool_close,
    .pool_create = pool_create,
    .pool_delete = pool_delete,
    .pool_mount = pool_mount,
    .pool_unmount = pool_unmount,
    .pool_usage = pool_usage,
    .volume_create = volume_create,
    .volume_copy = volume_copy,
    .volume_delete = volume_delete,
    .volume_rename = volume_rename,
    .volume_snapshot = volume_snapshot,
    .volume_restore = volume_restore,
    .volume_mount = volume_mount,
    .volume_unmount = volume_unmount,
    .volume_usage = volume_usage,
    .volume_set_size = volume_set_size,
    .volume_list = volume_list,
    // A directory tree has no stream of its own: the host copies its files to other pools.
    .volume_send = nullptr,
    .volume_receive = nullptr,
};

const lxdp_component impl_components[] = {
    {.struct_size = sizeof(lxdp_component), .kind = LXDP_COMPONENT_STORAGE, .name = "dir", .ops = &impl_ops},
};

const lxdp_plugin_info impl_plugin = {
    .struct_size = sizeof(lxdp_plugin_info),
    .abi_major = LXDP_ABI_MAJOR,
    .abi_minor = LXDP_ABI_MINOR,
    .min_host_minor = 0,
    .name = "storage-dir",
    .version = "1",
    .license = "Apache-2.0",
    .description = "Storage pools as plain directories",
    .n_components = 1,
    .reserved = 0,
    .components = impl_components,
};

}  // namespace
}  // namespace lxdp_dir

extern "C" LXDP_EXPORT lxdp_status lxdp_plugin_entry_v1(const lxdp_host_api* host, const lxdp_plugin_info** info,
                                                        lxdp_error* err) {
    if (host == nullptr || host->abi_major != LXDP_ABI_MAJOR)
        return lxdp_error_set(err, LXDP_E_ABI, "storage-dir needs a host speaking ABI %d", LXDP_ABI_MAJOR);
    *info = &lxdp_dir::impl_plugin;
    return LXDP_OK;
}
