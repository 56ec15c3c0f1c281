// The daemon's side of the firewall its plugins share (plugins/common/firewall.h): the backend
// chosen once, as the plugins choose it, for GET /1.0 and the daemon's own rules (proxy NAT),
// and the xtables helpers run through the daemon's command runner.
#pragma once

#include <string>

namespace lxdp::plugins {

enum class FirewallBackend { nftables, xtables, none };

FirewallBackend firewallBackend();
// "nftables", "xtables" or "none".
const char* firewallName();
// Why feature cannot be had: no firewall tool is installed.
std::string firewallMissing(const std::string& feature);
// upstream's "generated for LXD <what>" rule comment.
std::string xtablesComment(const std::string& what);
// Replaces the rules tagged comment with rules (iptables-restore input; "" removes them) in one
// load of family 4 or 6; std::runtime_error naming the command when it fails.
void xtablesReplace(int family, const std::string& comment, const std::string& rules);

}  // namespace lxdp::plugins
