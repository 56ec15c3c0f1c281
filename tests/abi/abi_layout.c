/* SPDX-License-Identifier: Apache-2.0
 *
 * The layout of every released (ABI 1.0) struct on x86_64 (LP64), frozen: the size and, for each
 * member, its offset and size. Compiled in CI against the current SDK headers (and the frozen
 * copy in sdk-1.0/, which must of course agree), so any change to a released member stops the
 * build here with the struct and member named. Members appended later (@since 1.N) are not listed
 * and not checked: a struct may grow, but only at its end, and never shrink.
 *
 * Structs that travel in arrays (lxdp_kv, lxdp_component, lxdp_device, lxdp_net_address) may not
 * grow at all: their size is the stride both sides step through the array with.
 *
 * The numbers were printed with offsetof/sizeof from the SDK 1.0 headers; they are never edited.
 * The values of the ABI's constants follow at the end.
 */
#include <stddef.h>

#include <lxdp/instance.h>
#include <lxdp/network.h>
#include <lxdp/storage.h>

#if !defined(__x86_64__) || !defined(__LP64__)
#error "these layouts are x86_64 LP64's"
#endif

#define LXDP_MEMBER_SIZE(type, member) sizeof(((type *)0)->member)
/* A released struct keeps at least its 1.0 size (it grows only at the end). */
#define LXDP_ASSERT_SIZE(type, size) \
    _Static_assert(sizeof(type) >= (size), #type " is smaller than in ABI 1.0 (" #size " bytes)")
#define LXDP_ASSERT_ARRAY_ELEMENT_SIZE(type, size) \
    _Static_assert(sizeof(type) == (size), #type " travels in arrays: its size stays " #size " bytes")
#define LXDP_ASSERT_MEMBER(type, member, offset, size)                                                \
    _Static_assert(offsetof(type, member) == (offset), #type "." #member " moved from offset " #offset); \
    _Static_assert(LXDP_MEMBER_SIZE(type, member) == (size), #type "." #member " is no longer " #size " bytes")

/* lxdp_error */
LXDP_ASSERT_SIZE(lxdp_error, 520);
LXDP_ASSERT_MEMBER(lxdp_error, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_error, code, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_error, message, 8, 512);

/* lxdp_kv */
LXDP_ASSERT_ARRAY_ELEMENT_SIZE(lxdp_kv, 16);
LXDP_ASSERT_MEMBER(lxdp_kv, key, 0, 8);
LXDP_ASSERT_MEMBER(lxdp_kv, value, 8, 8);

/* lxdp_kv_list */
LXDP_ASSERT_SIZE(lxdp_kv_list, 16);
LXDP_ASSERT_MEMBER(lxdp_kv_list, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_kv_list, count, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_kv_list, items, 8, 8);

/* lxdp_kv_sink */
LXDP_ASSERT_SIZE(lxdp_kv_sink, 24);
LXDP_ASSERT_MEMBER(lxdp_kv_sink, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_kv_sink, reserved, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_kv_sink, set, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_kv_sink, ctx, 16, 8);

/* lxdp_byte_sink */
LXDP_ASSERT_SIZE(lxdp_byte_sink, 24);
LXDP_ASSERT_MEMBER(lxdp_byte_sink, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_byte_sink, reserved, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_byte_sink, write, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_byte_sink, ctx, 16, 8);

/* lxdp_byte_source */
LXDP_ASSERT_SIZE(lxdp_byte_source, 24);
LXDP_ASSERT_MEMBER(lxdp_byte_source, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_byte_source, reserved, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_byte_source, read, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_byte_source, ctx, 16, 8);

/* lxdp_command */
LXDP_ASSERT_SIZE(lxdp_command, 40);
LXDP_ASSERT_MEMBER(lxdp_command, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_command, timeout_ms, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_command, argv, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_command, cwd, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_command, out, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_command, err_out, 32, 8);

/* lxdp_progress */
LXDP_ASSERT_SIZE(lxdp_progress, 32);
LXDP_ASSERT_MEMBER(lxdp_progress, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_progress, percent, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_progress, stage, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_progress, done_bytes, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_progress, total_bytes, 24, 8);

/* lxdp_host_api */
LXDP_ASSERT_SIZE(lxdp_host_api, 64);
LXDP_ASSERT_MEMBER(lxdp_host_api, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_host_api, abi_major, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_host_api, abi_minor, 8, 4);
LXDP_ASSERT_MEMBER(lxdp_host_api, reserved, 12, 4);
LXDP_ASSERT_MEMBER(lxdp_host_api, host, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_host_api, log, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_host_api, config_get, 32, 8);
LXDP_ASSERT_MEMBER(lxdp_host_api, run_command, 40, 8);
LXDP_ASSERT_MEMBER(lxdp_host_api, op_progress, 48, 8);
LXDP_ASSERT_MEMBER(lxdp_host_api, op_cancelled, 56, 8);

/* lxdp_component */
LXDP_ASSERT_ARRAY_ELEMENT_SIZE(lxdp_component, 24);
LXDP_ASSERT_MEMBER(lxdp_component, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_component, kind, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_component, name, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_component, ops, 16, 8);

/* lxdp_plugin_info */
LXDP_ASSERT_SIZE(lxdp_plugin_info, 64);
LXDP_ASSERT_MEMBER(lxdp_plugin_info, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_plugin_info, abi_major, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_plugin_info, abi_minor, 8, 4);
LXDP_ASSERT_MEMBER(lxdp_plugin_info, min_host_minor, 12, 4);
LXDP_ASSERT_MEMBER(lxdp_plugin_info, name, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_plugin_info, version, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_plugin_info, license, 32, 8);
LXDP_ASSERT_MEMBER(lxdp_plugin_info, description, 40, 8);
LXDP_ASSERT_MEMBER(lxdp_plugin_info, n_components, 48, 4);
LXDP_ASSERT_MEMBER(lxdp_plugin_info, reserved, 52, 4);
LXDP_ASSERT_MEMBER(lxdp_plugin_info, components, 56, 8);

/* lxdp_storage_info */
LXDP_ASSERT_SIZE(lxdp_storage_info, 16);
LXDP_ASSERT_MEMBER(lxdp_storage_info, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_storage_info, flags, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_storage_info, version, 8, 8);

/* lxdp_volume */
LXDP_ASSERT_SIZE(lxdp_volume, 40);
LXDP_ASSERT_MEMBER(lxdp_volume, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_volume, type, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_volume, content, 8, 4);
LXDP_ASSERT_MEMBER(lxdp_volume, reserved, 12, 4);
LXDP_ASSERT_MEMBER(lxdp_volume, project, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_volume, name, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_volume, config, 32, 8);

/* lxdp_filler */
LXDP_ASSERT_SIZE(lxdp_filler, 24);
LXDP_ASSERT_MEMBER(lxdp_filler, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_filler, reserved, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_filler, fill, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_filler, ctx, 16, 8);

/* lxdp_storage_ops */
LXDP_ASSERT_SIZE(lxdp_storage_ops, 168);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, info, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, probe, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, pool_validate, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, pool_open, 32, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, pool_close, 40, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, pool_create, 48, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, pool_delete, 56, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, pool_mount, 64, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, pool_unmount, 72, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, pool_usage, 80, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, volume_create, 88, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, volume_copy, 96, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, volume_delete, 104, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, volume_rename, 112, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, volume_snapshot, 120, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, volume_restore, 128, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, volume_mount, 136, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, volume_unmount, 144, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, volume_usage, 152, 8);
LXDP_ASSERT_MEMBER(lxdp_storage_ops, volume_set_size, 160, 8);

/* lxdp_instance_info */
LXDP_ASSERT_SIZE(lxdp_instance_info, 16);
LXDP_ASSERT_MEMBER(lxdp_instance_info, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_instance_info, type, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_instance_info, version, 8, 8);

/* lxdp_device */
LXDP_ASSERT_ARRAY_ELEMENT_SIZE(lxdp_device, 24);
LXDP_ASSERT_MEMBER(lxdp_device, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_device, reserved, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_device, name, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_device, config, 16, 8);

/* lxdp_device_list */
LXDP_ASSERT_SIZE(lxdp_device_list, 16);
LXDP_ASSERT_MEMBER(lxdp_device_list, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_device_list, count, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_device_list, items, 8, 8);

/* lxdp_instance */
LXDP_ASSERT_SIZE(lxdp_instance, 48);
LXDP_ASSERT_MEMBER(lxdp_instance, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_instance, type, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_instance, project, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_instance, name, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_instance, volume_path, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_instance, config, 32, 8);
LXDP_ASSERT_MEMBER(lxdp_instance, devices, 40, 8);

/* lxdp_instance_state */
LXDP_ASSERT_SIZE(lxdp_instance_state, 48);
LXDP_ASSERT_MEMBER(lxdp_instance_state, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_instance_state, status, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_instance_state, pid, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_state, processes, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_state, memory_usage, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_state, memory_usage_peak, 32, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_state, cpu_usage_ns, 40, 8);

/* lxdp_exec_request */
LXDP_ASSERT_SIZE(lxdp_exec_request, 56);
LXDP_ASSERT_MEMBER(lxdp_exec_request, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_exec_request, uid, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_exec_request, gid, 8, 4);
LXDP_ASSERT_MEMBER(lxdp_exec_request, reserved, 12, 4);
LXDP_ASSERT_MEMBER(lxdp_exec_request, argv, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_exec_request, envp, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_exec_request, cwd, 32, 8);
LXDP_ASSERT_MEMBER(lxdp_exec_request, stdin_fd, 40, 4);
LXDP_ASSERT_MEMBER(lxdp_exec_request, stdout_fd, 44, 4);
LXDP_ASSERT_MEMBER(lxdp_exec_request, stderr_fd, 48, 4);
LXDP_ASSERT_MEMBER(lxdp_exec_request, reserved2, 52, 4);

/* lxdp_file_info */
LXDP_ASSERT_SIZE(lxdp_file_info, 48);
LXDP_ASSERT_MEMBER(lxdp_file_info, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_file_info, type, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_file_info, uid, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_file_info, gid, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_file_info, mode, 24, 4);
LXDP_ASSERT_MEMBER(lxdp_file_info, write_mode, 28, 4);
LXDP_ASSERT_MEMBER(lxdp_file_info, size, 32, 8);
LXDP_ASSERT_MEMBER(lxdp_file_info, mtime, 40, 8);

/* lxdp_name_sink */
LXDP_ASSERT_SIZE(lxdp_name_sink, 24);
LXDP_ASSERT_MEMBER(lxdp_name_sink, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_name_sink, reserved, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_name_sink, add, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_name_sink, ctx, 16, 8);

/* lxdp_instance_ops */
LXDP_ASSERT_SIZE(lxdp_instance_ops, 184);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, info, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, probe, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, open, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, close, 32, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, validate, 40, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, create, 48, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, start, 56, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, stop, 64, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, freeze, 72, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, unfreeze, 80, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, remove, 88, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, rename, 96, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, state, 104, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, exec, 112, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, exec_wait, 120, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, exec_signal, 128, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, exec_release, 136, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, file_get, 144, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, file_put, 152, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, file_delete, 160, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, console, 168, 8);
LXDP_ASSERT_MEMBER(lxdp_instance_ops, interfaces, 176, 8);

/* lxdp_network_info */
LXDP_ASSERT_SIZE(lxdp_network_info, 16);
LXDP_ASSERT_MEMBER(lxdp_network_info, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_network_info, reserved, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_network_info, version, 8, 8);

/* lxdp_network */
LXDP_ASSERT_SIZE(lxdp_network, 32);
LXDP_ASSERT_MEMBER(lxdp_network, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_network, reserved, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_network, project, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_network, name, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_network, config, 24, 8);

/* lxdp_net_address */
LXDP_ASSERT_ARRAY_ELEMENT_SIZE(lxdp_net_address, 40);
LXDP_ASSERT_MEMBER(lxdp_net_address, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_net_address, reserved, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_net_address, family, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_net_address, address, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_net_address, netmask, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_net_address, scope, 32, 8);

/* lxdp_net_interface */
LXDP_ASSERT_SIZE(lxdp_net_interface, 96);
LXDP_ASSERT_MEMBER(lxdp_net_interface, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_net_interface, mtu, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_net_interface, name, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_net_interface, hwaddr, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_net_interface, host_name, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_net_interface, state, 32, 8);
LXDP_ASSERT_MEMBER(lxdp_net_interface, type, 40, 8);
LXDP_ASSERT_MEMBER(lxdp_net_interface, bytes_received, 48, 8);
LXDP_ASSERT_MEMBER(lxdp_net_interface, bytes_sent, 56, 8);
LXDP_ASSERT_MEMBER(lxdp_net_interface, packets_received, 64, 8);
LXDP_ASSERT_MEMBER(lxdp_net_interface, packets_sent, 72, 8);
LXDP_ASSERT_MEMBER(lxdp_net_interface, n_addresses, 80, 4);
LXDP_ASSERT_MEMBER(lxdp_net_interface, reserved, 84, 4);
LXDP_ASSERT_MEMBER(lxdp_net_interface, addresses, 88, 8);

/* lxdp_net_interface_sink */
LXDP_ASSERT_SIZE(lxdp_net_interface_sink, 24);
LXDP_ASSERT_MEMBER(lxdp_net_interface_sink, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_net_interface_sink, reserved, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_net_interface_sink, add, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_net_interface_sink, ctx, 16, 8);

/* lxdp_net_lease */
LXDP_ASSERT_SIZE(lxdp_net_lease, 40);
LXDP_ASSERT_MEMBER(lxdp_net_lease, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_net_lease, reserved, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_net_lease, hostname, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_net_lease, hwaddr, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_net_lease, address, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_net_lease, type, 32, 8);

/* lxdp_net_lease_sink */
LXDP_ASSERT_SIZE(lxdp_net_lease_sink, 24);
LXDP_ASSERT_MEMBER(lxdp_net_lease_sink, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_net_lease_sink, reserved, 4, 4);
LXDP_ASSERT_MEMBER(lxdp_net_lease_sink, add, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_net_lease_sink, ctx, 16, 8);

/* lxdp_network_ops */
LXDP_ASSERT_SIZE(lxdp_network_ops, 96);
LXDP_ASSERT_MEMBER(lxdp_network_ops, struct_size, 0, 4);
LXDP_ASSERT_MEMBER(lxdp_network_ops, info, 8, 8);
LXDP_ASSERT_MEMBER(lxdp_network_ops, probe, 16, 8);
LXDP_ASSERT_MEMBER(lxdp_network_ops, validate, 24, 8);
LXDP_ASSERT_MEMBER(lxdp_network_ops, create, 32, 8);
LXDP_ASSERT_MEMBER(lxdp_network_ops, start, 40, 8);
LXDP_ASSERT_MEMBER(lxdp_network_ops, stop, 48, 8);
LXDP_ASSERT_MEMBER(lxdp_network_ops, update, 56, 8);
LXDP_ASSERT_MEMBER(lxdp_network_ops, remove, 64, 8);
LXDP_ASSERT_MEMBER(lxdp_network_ops, state, 72, 8);
LXDP_ASSERT_MEMBER(lxdp_network_ops, leases, 80, 8);
LXDP_ASSERT_MEMBER(lxdp_network_ops, static_lease, 88, 8);

/* ---- Constants ------------------------------------------------------------------------------ */
#define LXDP_ASSERT_VALUE(name, value) _Static_assert((name) == (value), #name " is " #value " in ABI 1.0")

LXDP_ASSERT_VALUE(LXDP_ABI_MAJOR, 1);
LXDP_ASSERT_VALUE(LXDP_ERROR_MESSAGE_MAX, 512);
_Static_assert(sizeof(LXDP_PLUGIN_ENTRY_SYMBOL) == sizeof("lxdp_plugin_entry_v1"), "the entry symbol is lxdp_plugin_entry_v1");
LXDP_ASSERT_VALUE(LXDP_OK, 0);
LXDP_ASSERT_VALUE(LXDP_E_INVAL, -1);
LXDP_ASSERT_VALUE(LXDP_E_NOTSUP, -2);
LXDP_ASSERT_VALUE(LXDP_E_NOTFOUND, -3);
LXDP_ASSERT_VALUE(LXDP_E_EXISTS, -4);
LXDP_ASSERT_VALUE(LXDP_E_BUSY, -5);
LXDP_ASSERT_VALUE(LXDP_E_IO, -6);
LXDP_ASSERT_VALUE(LXDP_E_CANCELLED, -7);
LXDP_ASSERT_VALUE(LXDP_E_ABI, -8);
LXDP_ASSERT_VALUE(LXDP_E_INTERNAL, -9);
LXDP_ASSERT_VALUE(LXDP_LOG_ERROR, 0);
LXDP_ASSERT_VALUE(LXDP_LOG_WARN, 1);
LXDP_ASSERT_VALUE(LXDP_LOG_INFO, 2);
LXDP_ASSERT_VALUE(LXDP_LOG_DEBUG, 3);
LXDP_ASSERT_VALUE(LXDP_COMPONENT_STORAGE, 1u);
LXDP_ASSERT_VALUE(LXDP_COMPONENT_INSTANCE, 2u);
LXDP_ASSERT_VALUE(LXDP_COMPONENT_NETWORK, 3u);

LXDP_ASSERT_VALUE(LXDP_E_STORAGE_CANNOT_SHRINK, -100);
LXDP_ASSERT_VALUE(LXDP_E_STORAGE_HAS_SNAPSHOTS, -101);
LXDP_ASSERT_VALUE(LXDP_VOLUME_CONTAINER, 0u);
LXDP_ASSERT_VALUE(LXDP_VOLUME_IMAGE, 1u);
LXDP_ASSERT_VALUE(LXDP_VOLUME_CUSTOM, 2u);
LXDP_ASSERT_VALUE(LXDP_VOLUME_VM, 3u);
LXDP_ASSERT_VALUE(LXDP_CONTENT_FILESYSTEM, 0u);
LXDP_ASSERT_VALUE(LXDP_CONTENT_BLOCK, 1u);
LXDP_ASSERT_VALUE(LXDP_STORAGE_REMOTE, 1u << 0);
LXDP_ASSERT_VALUE(LXDP_STORAGE_OPTIMIZED_IMAGES, 1u << 1);
LXDP_ASSERT_VALUE(LXDP_STORAGE_FAST_SNAPSHOTS, 1u << 2);
LXDP_ASSERT_VALUE(LXDP_STORAGE_BLOCK_BACKED, 1u << 3);
LXDP_ASSERT_VALUE(LXDP_STORAGE_QUOTAS, 1u << 4);

LXDP_ASSERT_VALUE(LXDP_E_INSTANCE_RUNNING, -200);
LXDP_ASSERT_VALUE(LXDP_E_INSTANCE_NOT_RUNNING, -201);
LXDP_ASSERT_VALUE(LXDP_INSTANCE_CONTAINER, 0u);
LXDP_ASSERT_VALUE(LXDP_INSTANCE_VM, 1u);
LXDP_ASSERT_VALUE(LXDP_STATE_STOPPED, 102u);
LXDP_ASSERT_VALUE(LXDP_STATE_RUNNING, 103u);
LXDP_ASSERT_VALUE(LXDP_STATE_FROZEN, 110u);
LXDP_ASSERT_VALUE(LXDP_STATE_ERROR, 112u);
LXDP_ASSERT_VALUE(LXDP_FILE_REGULAR, 0u);
LXDP_ASSERT_VALUE(LXDP_FILE_DIRECTORY, 1u);
LXDP_ASSERT_VALUE(LXDP_FILE_SYMLINK, 2u);
LXDP_ASSERT_VALUE(LXDP_FILE_WRITE_OVERWRITE, 0u);
LXDP_ASSERT_VALUE(LXDP_FILE_WRITE_APPEND, 1u);

LXDP_ASSERT_VALUE(LXDP_E_NETWORK_NO_FREE_SUBNET, -300);
