// The xtables side of a bridge's rules, as upstream's xtables driver writes them: iptables and
// ip6tables rules in the host's built-in chains, each tagged -m comment --comment
// "generated for LXD network <name>", by which they are replaced and removed (and only they).
#include "bridge_firewall.h"

#include "firewall.h"

namespace lxdp_bridge {

namespace {

class XtablesBridgeFirewall : public BridgeFirewall {
public:
    void apply(const Net &net, const BridgeRules &r) const override {
        const std::string tag = tag_of(net);
        for (int family : {4, 6}) {
            std::string nat, filter;
            for (const auto &n : r.nat) {
                if (n.family != family)
                    continue;
                // nat.order: before (first in POSTROUTING) or after (last) the host's own rules.
                nat += std::string(n.after ? "-A" : "-I") + " POSTROUTING -s " + n.subnet + " ! -d " + n.subnet +
                       tagged(tag) + (n.to.empty() ? " -j MASQUERADE" : " -j SNAT --to-source " + n.to) + "\n";
            }
            if (family == 4 ? r.filter4 : r.filter6)
                filter = filter_rules(bridge_name(net), family, tagged(tag));
            std::string load;
            if (!nat.empty())
                load += "*nat\n" + nat + "COMMIT\n";
            if (!filter.empty())
                load += "*filter\n" + filter + "COMMIT\n";
            lxdp_fw::xtables_replace(net.host, family, tag, load);
        }
    }

    void clear(const Net &net) const override {
        for (int family : {4, 6})
            lxdp_fw::xtables_replace(net.host, family, tag_of(net), "");
    }

private:
    static std::string tag_of(const Net &net) { return lxdp_fw::comment("network " + net.name); }
    static std::string tagged(const std::string &tag) { return " -m comment --comment \"" + tag + "\""; }

    // DHCP, DNS and ICMP between the bridge and the host, and forwarding through it, accepted
    // ahead of the host's rules (inserted first) as the nftables side does at its hooks.
    static std::string filter_rules(const std::string &br, int family, const std::string &tag) {
        const std::string dhcp = family == 4 ? "67" : "547";
        const std::string icmp = family == 4 ? "icmp" : "ipv6-icmp";
        std::string out;
        for (const auto &[chain, dir, port] : {std::tuple{"INPUT", "-i", "--dport"}, {"OUTPUT", "-o", "--sport"}}) {
            const std::string head = std::string("-I ") + chain + " " + dir + " " + br;
            out += head + " -p tcp " + port + " 53" + tag + " -j ACCEPT\n";
            out += head + " -p udp " + port + " 53" + tag + " -j ACCEPT\n";
            out += head + " -p udp " + port + " " + dhcp + tag + " -j ACCEPT\n";
            out += head + " -p " + icmp + tag + " -j ACCEPT\n";
        }
        out += "-I FORWARD -i " + br + tag + " -j ACCEPT\n";
        out += "-I FORWARD -o " + br + tag + " -j ACCEPT\n";
        return out;
    }
};

} // namespace

const BridgeFirewall &xtables_bridge_firewall() {
    static const XtablesBridgeFirewall side;
    return side;
}

} // namespace lxdp_bridge
