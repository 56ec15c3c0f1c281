// SPDX-License-Identifier: Apache-2.0
// The bridge network driver: managed Linux bridges with dnsmasq and nftables or xtables. Entry point and
// ABI trampolines: the only place where exceptions become an lxdp_error.
#include <lxdp/network.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "bridge_driver.h"
#include "firewall.h"
#include "netif.h"

namespace lxdp_bridge {
namespace {

template <class F>
lxdp_status guard(lxdp_error *err, F &&body) noexcept {
    try {
        body();
        return LXDP_OK;
    } catch (const Failure &f) {
        return lxdp_error_set(err, f.code, "%s", f.what());
    } catch (const std::bad_alloc &) {
        return lxdp_error_set(err, LXDP_E_INTERNAL, "bridge driver: out of memory");
    } catch (const std::exception &e) {
        return lxdp_error_set(err, LXDP_E_INTERNAL, "bridge driver: %s", e.what());
    } catch (...) {
        return lxdp_error_set(err, LXDP_E_INTERNAL, "bridge driver: unknown failure");
    }
}

// Brings the network up from its config; on failure removes what this start made.
void start_network(const Net &net, const Settings *previous) {
    validate_config(net);
    const Settings s = settings_of(net.config);
    make_network_dir(net);
    const bool created = link_up(net, s, previous);
    try {
        tunnels_up(net, s, previous);
        firewall_apply(net, s);
        dnsmasq_start(net, s);
    } catch (...) {
        if (created) {
            try {
                dnsmasq_stop(net);
                firewall_clear(net);
                tunnels_down(net, s);
                link_down(net, s);
            } catch (const Failure &) {
            }
        }
        throw;
    }
}

void stop_network(const Net &net) {
    const Settings s = settings_of(net.config);
    dnsmasq_stop(net);
    firewall_clear(net);
    tunnels_down(net, s);
    link_down(net, s);
}

const lxdp_network_info impl_info = {
    .struct_size = sizeof(lxdp_network_info),
    .reserved = 0,
    .version = "1",
};

const lxdp_network_info *info() { return &impl_info; }

lxdp_status probe(const lxdp_host_api *, lxdp_error *err) {
    return guard(err, [] {
        if (!have_tool("ip"))
            fail(LXDP_E_NOTSUP, "ip is not installed (package iproute2)");
        if (!exists("/sys/class/net"))
            fail(LXDP_E_NOTSUP, "/sys/class/net is missing: sysfs is not mounted");
    });
}

lxdp_status validate(const lxdp_host_api *host, const lxdp_network *net, lxdp_error *err) {
    return guard(err, [&] { validate_config(net_view(host, net)); });
}

lxdp_status create(const lxdp_host_api *host, const lxdp_network *net, const lxdp_kv_sink *config_out,
                   lxdp_error *err) {
    return guard(err, [&] {
        const Net n = net_view(host, net);
        validate_config(n);
        if (link_exists(n))
            fail(LXDP_E_EXISTS, "A host interface named " + n.name + " already exists");
        for (const auto &[key, value] : complete_config(host, n.config))
            if (config_out != nullptr && config_out->set != nullptr)
                config_out->set(config_out->ctx, key.c_str(), value.c_str());
    });
}

lxdp_status start(const lxdp_host_api *host, const lxdp_network *net, lxdp_error *err) {
    return guard(err, [&] { start_network(net_view(host, net), nullptr); });
}

lxdp_status stop(const lxdp_host_api *host, const lxdp_network *net, lxdp_error *err) {
    return guard(err, [&] { stop_network(net_view(host, net)); });
}

lxdp_status update(const lxdp_host_api *host, const lxdp_network *old, const lxdp_network *updated,
                   lxdp_error *err) {
    return guard(err, [&] {
        const Net before = net_view(host, old), after = net_view(host, updated);
        validate_config(after);
        if (before.name != after.name)
            fail(LXDP_E_INVAL, "update cannot rename a network");
        const Settings previous = settings_of(before.config);
        // A stopped network takes its new config at its next start.
        if (!link_exists(after))
            return;
        if (previous.openvswitch == settings_of(after.config).openvswitch) {
            start_network(after, &previous);
            return;
        }
        // A bridge cannot become the other kind: as upstream, the old one goes and the new one is
        // made (its instances' NICs join it at their next start).
        stop_network(before);
        start_network(after, nullptr);
    });
}

lxdp_status remove(const lxdp_host_api *host, const lxdp_network *net, lxdp_error *err) {
    return guard(err, [&] {
        const Net n = net_view(host, net);
        stop_network(n);
        remove_tree(n.dir);
    });
}

lxdp_status state(const lxdp_host_api *host, const lxdp_network *net, const lxdp_net_interface_sink *out,
                  lxdp_error *err) {
    return guard(err, [&] {
        const Net n = net_view(host, net);
        std::vector<lxdp_netif::Interface> ifaces;
        if (!lxdp_netif::read_interfaces(bridge_name(n), ifaces))
            fail(LXDP_E_IO, std::string("Failed to list the host interfaces: ") + std::strerror(errno));
        if (ifaces.empty())
            fail(LXDP_E_NOTFOUND, "The bridge " + bridge_name(n) + " does not exist");
        lxdp_netif::report_interfaces(ifaces, out);
    });
}

lxdp_status leases(const lxdp_host_api *host, const lxdp_network *net, const lxdp_net_lease_sink *out,
                   lxdp_error *err) {
    return guard(err, [&] { dnsmasq_leases(net_view(host, net), out); });
}

lxdp_status static_lease(const lxdp_host_api *host, const lxdp_network *net, const char *owner,
                         const lxdp_net_lease *lease, lxdp_error *err) {
    return guard(err, [&] { dnsmasq_static_lease(net_view(host, net), owner != nullptr ? owner : "", lease); });
}

const lxdp_network_ops impl_ops = {
    .struct_size = sizeof(lxdp_network_ops),
    .info = info,
    .probe = probe,
    .validate = validate,
    .create = create,
    .start = start,
    .stop = stop,
    .update = update,
    .remove = remove,
    .state = state,
    .leases = leases,
    .static_lease = static_lease,
};

const lxdp_component impl_components[] = {
    {.struct_size = sizeof(lxdp_component), .kind = LXDP_COMPONENT_NETWORK, .name = "bridge", .ops = &impl_ops},
};

const lxdp_plugin_info impl_plugin = {
    .struct_size = sizeof(lxdp_plugin_info),
    .abi_major = LXDP_ABI_MAJOR,
    .abi_minor = LXDP_ABI_MINOR,
    .min_host_minor = 0,
    .name = "net-bridge",
    .version = "1",
    .license = "Apache-2.0",
    .description = "Managed Linux or Open vSwitch bridges with dnsmasq DHCP/DNS, nftables or xtables NAT and vxlan/gre tunnels",
    .n_components = 1,
    .reserved = 0,
    .components = impl_components,
};

} // namespace
} // namespace lxdp_bridge

extern "C" LXDP_EXPORT lxdp_status lxdp_plugin_entry_v1(const lxdp_host_api *host, const lxdp_plugin_info **info,
                                                        lxdp_error *err) {
    if (host == nullptr || info == nullptr || host->abi_major != LXDP_ABI_MAJOR)
        return lxdp_error_set(err, LXDP_E_ABI, "net-bridge needs a host speaking ABI %d", LXDP_ABI_MAJOR);
    *info = &lxdp_bridge::impl_plugin;
    lxdp_fw::backend(); // the firewall is chosen at load, as the daemon's own at its start
    return LXDP_OK;
}
