// The steps that bring a bridge network up and down, one file each: the Linux bridge through
// `ip` (bridge_link.cpp) and its tunnels (bridge_tunnel.cpp), dnsmasq for DHCP and DNS (bridge_dnsmasq.cpp) and the nftables or
// xtables rules for NAT and filtering (bridge_firewall.cpp). Every step is idempotent.
#pragma once

#include "bridge_config.h"

namespace lxdp_bridge {

bool link_exists(const Net &net);
// Creates the bridge when missing (reports whether it did), then sets MTU, MAC, addresses,
// routes and ports from s and brings it up. previous, when given, is the config that ran before:
// ports it had and s has not are released.
bool link_up(const Net &net, const Settings &s, const Settings *previous);
void link_down(const Net &net, const Settings &s);
// Makes an interface a port of the bridge (s says which kind) and brings it up.
void attach_port(const Net &net, const Settings &s, const std::string &port);

// Makes the tunnels of s anew as ports of the bridge (removing those of previous, when given);
// on failure none of s's is left.
void tunnels_up(const Net &net, const Settings &s, const Settings *previous);
void tunnels_down(const Net &net, const Settings &s);

// Restarts dnsmasq for the network (stops it when s needs none).
void dnsmasq_start(const Net &net, const Settings &s);
void dnsmasq_stop(const Net &net);
void dnsmasq_leases(const Net &net, const lxdp_net_lease_sink *out);
void dnsmasq_static_lease(const Net &net, const std::string &owner, const lxdp_net_lease *lease);

// Replaces the network's rules with those s asks for (none: the rules go).
void firewall_apply(const Net &net, const Settings &s);
void firewall_clear(const Net &net);

} // namespace lxdp_bridge
