// The firewall backend of the daemon and its plugins, chosen once as upstream's firewall.New():
// nftables when `nft` is on the daemon's PATH, else xtables (iptables, ip6tables, ebtables) when
// iptables is, else none, and the features that need rules are refused naming what is missing.
// Each feature keeps one interface with an nftables and an xtables side of its own (bridge NAT
// and filters, NIC filters, proxy NAT); what the xtables sides share is here: how a rule is
// tagged and how the rules of one tag are loaded and found again.
#pragma once

#include <lxdp/abi.h>

#include <exception>
#include <string>
#include <utility>

namespace lxdp_fw {

enum class Backend { nftables, xtables, none };

// Looked up at the first call (the plugins' init, the daemon's start) and kept.
Backend backend();
// "nftables", "xtables" or "none", as GET /1.0 reports it.
const char *backend_name(Backend b);
// Why feature cannot be had on this host, for a refusal: no nft and no iptables.
std::string missing(const std::string &feature);

// upstream's tag, appended to every rule of ours as -m comment --comment "generated for LXD <what>"
// (what: "network br0", "container proj_c1 (eth0)"), so that its rules, and only those, are found
// and removed again.
std::string comment(const std::string &what);
// iptables-save output -> the iptables-restore --noflush input that deletes the rules carrying
// exactly that comment ("" when there is none).
std::string delete_tagged(const std::string &saved, const std::string &comment);

// Replaces the rules carrying comment with rules (an iptables-restore input whose every rule
// carries it; "" to remove them) in one iptables-restore --noflush (ip6tables- for family 6):
// the deletions and the new rules in one load, so no moment without either. Throws Error.
class Error : public std::exception {
public:
    Error(lxdp_status code, std::string message) : code(code), message(std::move(message)) {}
    const char *what() const noexcept override { return message.c_str(); }
    lxdp_status code;
    std::string message;
};
void xtables_replace(const lxdp_host_api *host, int family, const std::string &comment, const std::string &rules);

} // namespace lxdp_fw
