// The nftables side of a bridge's rules: one table per network ("inet lxdpp_<name>"), so that
// clearing a network is deleting its table. The ruleset is a file under the network's directory,
// loaded with `nft -f` in one transaction.
#include "bridge_firewall.h"

#include <sstream>

namespace lxdp_bridge {

namespace {

std::string table(const Net &net) { return "lxdpp_" + net.name; }

class NftBridgeFirewall : public BridgeFirewall {
public:
    void apply(const Net &net, const BridgeRules &r) const override {
        const std::string br = "\"" + bridge_name(net) + "\"";
        std::ostringstream out;
        // Adding then deleting the table makes the load replace whatever an earlier start left.
        out << "table inet " << table(net) << "\ndelete table inet " << table(net) << "\n";
        out << "table inet " << table(net) << " {\n";
        for (bool after : {false, true}) {
            std::ostringstream rules;
            for (const auto &n : r.nat) {
                if (n.after != after)
                    continue;
                const char *family = n.family == 4 ? "ip" : "ip6";
                rules << "    " << family << " saddr " << n.subnet << " " << family << " daddr != " << n.subnet
                      << (n.to.empty() ? " masquerade" : std::string(" snat ") + family + " to " + n.to) << "\n";
            }
            if (rules.str().empty())
                continue;
            // nat.order: before (99) or after (101) the usual srcnat chains (100).
            out << "  chain nat_postrouting" << (after ? "_after" : "")
                << " {\n    type nat hook postrouting priority " << (after ? 101 : 99) << "; policy accept;\n"
                << rules.str() << "  }\n";
        }
        if (r.filter4 || r.filter6) {
            // Let the bridge's DHCP, DNS and ICMP through and forward its traffic, whatever the
            // host's other tables do at the same hook with a lower priority.
            out << "  chain filter_input {\n    type filter hook input priority 0; policy accept;\n"
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
        out << "}\n";
        const std::string file = net.dir + "/nftables.conf";
        write_file(file, out.str(), 0600);
        run(net.host, {"nft", "-f", file});
    }

    void clear(const Net &net) const override {
        int status = 0;
        // Exit 1 with "No such file or directory" when the table is not there: already clear.
        run(net.host, {"nft", "delete", "table", "inet", table(net)}, &status);
    }
};

} // namespace

const BridgeFirewall &nft_bridge_firewall() {
    static const NftBridgeFirewall side;
    return side;
}

} // namespace lxdp_bridge
