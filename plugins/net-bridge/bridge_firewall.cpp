// NAT and the filtering rules of a bridge, in one nftables table per network
// ("inet lxdpp_<name>"), so that clearing a network is deleting its table. The ruleset is a file
// under the network's directory, loaded with `nft -f` in one transaction (the host's
// run_command has no stdin to feed `nft -f -`).
#include "bridge_driver.h"

#include <sstream>

namespace lxdp_bridge {

namespace {

std::string table(const Net &net) { return "lxdpp_" + net.name; }

bool nat_rules(const Settings &s, std::ostringstream &out, bool after) {
    bool any = false;
    const struct {
        const std::optional<Cidr> &cidr;
        bool nat, nat_after;
        const std::string &to;
        const char *family;
    } families[] = {{s.ipv4, s.ipv4_nat, s.ipv4_nat_after, s.ipv4_nat_address, "ip"},
                    {s.ipv6, s.ipv6_nat, s.ipv6_nat_after, s.ipv6_nat_address, "ip6"}};
    for (const auto &f : families) {
        if (!f.cidr || !f.nat || f.nat_after != after)
            continue;
        const std::string subnet = f.cidr->subnet();
        out << "    " << f.family << " saddr " << subnet << " " << f.family << " daddr != " << subnet
            << (f.to.empty() ? " masquerade" : std::string(" snat ") + f.family + " to " + f.to) << "\n";
        any = true;
    }
    return any;
}

} // namespace

void firewall_clear(const Net &net) {
    if (!have_tool("nft"))
        return;
    int status = 0;
    // Exit 1 with "No such file or directory" when the table is not there: already clear.
    run(net.host, {"nft", "delete", "table", "inet", table(net)}, &status);
}

void firewall_apply(const Net &net, const Settings &s) {
    const bool nat = (s.ipv4 && s.ipv4_nat) || (s.ipv6 && s.ipv6_nat);
    const bool filter = (s.ipv4 && s.ipv4_firewall) || (s.ipv6 && s.ipv6_firewall);
    if (!nat && !filter) {
        firewall_clear(net);
        return;
    }
    if (!have_tool("nft"))
        fail(LXDP_E_NOTSUP, "nft is not installed: NAT and firewall rules for " + net.name +
                                " need it (package nftables), or set ipv4.nat, ipv4.firewall and their ipv6 twins to false");
    const std::string br = "\"" + bridge_name(net) + "\"";
    std::ostringstream r;
    // Adding then deleting the table makes the load replace whatever an earlier start left.
    r << "table inet " << table(net) << "\ndelete table inet " << table(net) << "\n";
    r << "table inet " << table(net) << " {\n";
    for (bool after : {false, true}) {
        std::ostringstream rules;
        if (!nat_rules(s, rules, after))
            continue;
        // nat.order: before (99) or after (101) the usual srcnat chains (100).
        r << "  chain nat_postrouting" << (after ? "_after" : "") << " {\n    type nat hook postrouting priority "
          << (after ? 101 : 99) << "; policy accept;\n"
          << rules.str() << "  }\n";
    }
    if (filter) {
        // Let the bridge's DHCP, DNS and ICMP through and forward its traffic, whatever the
        // host's other tables do at the same hook with a lower priority.
        r << "  chain filter_input {\n    type filter hook input priority 0; policy accept;\n"
          << "    iifname " << br << " tcp dport 53 accept\n"
          << "    iifname " << br << " udp dport { 53, 67, 547 } accept\n"
          << "    iifname " << br << " meta l4proto { icmp, ipv6-icmp } accept\n  }\n"
          << "  chain filter_output {\n    type filter hook output priority 0; policy accept;\n"
          << "    oifname " << br << " tcp sport 53 accept\n"
          << "    oifname " << br << " udp sport { 53, 67, 547 } accept\n"
          << "    oifname " << br << " meta l4proto { icmp, ipv6-icmp } accept\n  }\n"
          << "  chain filter_forward {\n    type filter hook forward priority 0; policy accept;\n"
          << "    iifname " << br << " accept\n"
          << "    oifname " << br << " accept\n  }\n";
    }
    r << "}\n";
    const std::string file = net.dir + "/nftables.conf";
    write_file(file, r.str(), 0600);
    run(net.host, {"nft", "-f", file});
}

} // namespace lxdp_bridge
