/* SPDX-License-Identifier: Apache-2.0
 *
 * The ABI surface for abidiff (abi_diff.sh): one exported function per released (1.0) struct, so
 * the shared object built from it carries every struct's layout in its DWARF. Built once against
 * the frozen SDK 1.0 headers (tests/abi/sdk-1.0) and once against the current ones; it therefore
 * names only 1.0 types. A struct released later joins this list when its minor is frozen.
 */
#include <lxdp/instance.h>
#include <lxdp/network.h>
#include <lxdp/storage.h>

#define SURFACE(type) \
    LXDP_EXPORT void lxdp_abi_surface_##type(const type *p) { (void)p; }

/* abi.h */
SURFACE(lxdp_error)
SURFACE(lxdp_kv)
SURFACE(lxdp_kv_list)
SURFACE(lxdp_kv_sink)
SURFACE(lxdp_byte_sink)
SURFACE(lxdp_byte_source)
SURFACE(lxdp_command)
SURFACE(lxdp_progress)
SURFACE(lxdp_host_api)
SURFACE(lxdp_component)
SURFACE(lxdp_plugin_info)
/* storage.h */
SURFACE(lxdp_storage_info)
SURFACE(lxdp_volume)
SURFACE(lxdp_filler)
SURFACE(lxdp_storage_ops)
/* instance.h */
SURFACE(lxdp_instance_info)
SURFACE(lxdp_device)
SURFACE(lxdp_device_list)
SURFACE(lxdp_instance)
SURFACE(lxdp_instance_state)
SURFACE(lxdp_exec_request)
SURFACE(lxdp_file_info)
SURFACE(lxdp_name_sink)
SURFACE(lxdp_instance_ops)
/* network.h */
SURFACE(lxdp_network_info)
SURFACE(lxdp_network)
SURFACE(lxdp_net_address)
SURFACE(lxdp_net_interface)
SURFACE(lxdp_net_interface_sink)
SURFACE(lxdp_net_lease)
SURFACE(lxdp_net_lease_sink)
SURFACE(lxdp_network_ops)

/* The entry function's type, as a plugin exports it. */
LXDP_EXPORT lxdp_plugin_entry_fn lxdp_abi_surface_entry(lxdp_plugin_entry_fn f) { return f; }
