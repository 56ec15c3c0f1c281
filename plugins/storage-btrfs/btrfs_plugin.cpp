// SPDX-License-Identifier: Apache-2.0
// The btrfs storage driver: a btrfs filesystem per pool (on a loop file, a block device or a
// subvolume of an existing btrfs), a subvolume per volume, snapshots and copies as btrfs
// snapshots, quotas as qgroups, copies to other btrfs pools as send streams. The entry function
// and the ops table.
#include <lxdp/storage.h>

#include "btrfs_driver.h"

namespace lxdp_btrfs {
namespace {

const lxdp_storage_info impl_info = {
    .struct_size = sizeof(lxdp_storage_info),
    // Snapshots and copies are btrfs snapshots: instant, whatever the volume holds; quotas are
    // qgroups. So an image is unpacked once into an image volume and each root is a snapshot of it.
    // Volumes go to other btrfs pools, and into optimized backups, as btrfs send streams.
    .flags = LXDP_STORAGE_FAST_SNAPSHOTS | LXDP_STORAGE_QUOTAS | LXDP_STORAGE_OPTIMIZED_IMAGES |
             LXDP_STORAGE_SEND_RECEIVE,
    .version = "1",
};

const lxdp_storage_info* info() { return &impl_info; }

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
    .volume_send = volume_send,
    .volume_receive = volume_receive,
};

const lxdp_component impl_components[] = {
    {.struct_size = sizeof(lxdp_component), .kind = LXDP_COMPONENT_STORAGE, .name = "btrfs", .ops = &impl_ops},
};

const lxdp_plugin_info impl_plugin = {
    .struct_size = sizeof(lxdp_plugin_info),
    .abi_major = LXDP_ABI_MAJOR,
    .abi_minor = LXDP_ABI_MINOR,
    .min_host_minor = 0,
    .name = "storage-btrfs",
    .version = "1",
    .license = "Apache-2.0",
    .description = "Storage pools on btrfs: subvolumes, snapshots and qgroup quotas",
    .n_components = 1,
    .reserved = 0,
    .components = impl_components,
};

}  // namespace
}  // namespace lxdp_btrfs

extern "C" LXDP_EXPORT lxdp_status lxdp_plugin_entry_v1(const lxdp_host_api* host, const lxdp_plugin_info** info,
                                                        lxdp_error* err) {
    if (host == nullptr || host->abi_major != LXDP_ABI_MAJOR)
        return lxdp_error_set(err, LXDP_E_ABI, "storage-btrfs needs a host speaking ABI %d", LXDP_ABI_MAJOR);
    *info = &lxdp_btrfs::impl_plugin;
    return LXDP_OK;
}
