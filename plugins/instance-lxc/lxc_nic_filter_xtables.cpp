// The xtables side of security.*_filtering: each filtered NIC gets an ebtables chain of its own,
// "lxdpp_<host_name>" (ebtables rules take no comment: the chain's name is the tag), which the
// bridge's INPUT and FORWARD chains jump to, first, for what arrives from the NIC's host side.
// A load declares or flushes the chains and fills them in one ebtables-restore --noflush, so a
// running NIC's new rules replace its old ones at once; removing the filter is deleting the two
// jumps and the chain. The rules are upstream's ebtables rules of its xtables driver, in the
// order of the nftables side: the MAC first, then the addresses, then any other ethertype. One
// check of the nftables side has no ebtables match: the target MAC option of a neighbour
// advertisement (ebtables reads no ICMPv6 options), so a container may still advertise another
// MAC for its own address with ipv6_filtering here.
#include "lxc_nic_filter.h"

#include "command.h"
#include "firewall.h"

namespace lxdp_lxc {

namespace {

std::string chain_of(const Nic &nic) { return "lxdpp_" + nic.host_name; }

// RETURN hands the frame back to the bridge's chain (the other rules of the host), DROP ends it.
std::vector<std::string> chain_rules(const Nic &nic) {
    const std::string mac = nic.hwaddr;
    std::vector<std::string> rules = {
        "-s ! " + mac + " -j DROP",
        "-p ARP --arp-mac-src ! " + mac + " -j DROP",
    };
    if (nic_filters_ip(nic, 4)) {
        // Without an address of its own the container may send no IPv4 at all (spec).
        const std::string v4 = nic.get("ipv4.address");
        if (v4.empty()) {
            rules.push_back("-p ARP -j DROP");
            rules.push_back("-p IPv4 -j DROP");
        } else {
            rules.push_back("-p ARP --arp-ip-src ! " + v4 + " -j DROP");
            // DHCP discovery comes from 0.0.0.0 before the lease.
            rules.push_back("-p IPv4 --ip-src 0.0.0.0 --ip-dst 255.255.255.255 --ip-proto udp --ip-dport 67 -j RETURN");
            rules.push_back("-p IPv4 --ip-src ! " + v4 + " -j DROP");
        }
    }
    if (nic_filters_ip(nic, 6)) {
        rules.push_back("-p IPv6 --ip6-proto ipv6-icmp --ip6-icmp-type router-advertisement -j DROP");
        // Link-local and the unspecified address carry neighbour discovery and DHCPv6.
        const std::string v6 = nic.get("ipv6.address");
        for (const std::string &allowed : {std::string("::"), std::string("fe80::/10"), v6})
            if (!allowed.empty())
                rules.push_back("-p IPv6 --ip6-src " + allowed + " -j RETURN");
        rules.push_back("-p IPv6 -j DROP");
    }
    // Anything but ARP, IPv4 and IPv6 (QinQ frames, say) could carry what the rules above miss.
    if (nic_filters_ip(nic, 4) || nic_filters_ip(nic, 6)) {
        for (const char *type : {"ARP", "IPv4", "IPv6"})
            rules.push_back(std::string("-p ") + type + " -j RETURN");
        rules.push_back("-j DROP");
    }
    return rules;
}

std::string tool(const char *name) {
    std::string path = lxdp_cmd::find_tool(name);
    if (path.empty())
        fail(LXDP_E_NOTSUP, "%s is not installed: security.*_filtering of NICs needs it with the xtables firewall "
                            "(package iptables)", name);
    return path;
}

void check(const lxdp_cmd::Result &r) {
    if (r.rc != LXDP_OK)
        fail(r.rc, "\"%s\": %s", r.shown.c_str(), r.message.c_str());
    if (r.exit_status != 0)
        fail(LXDP_E_IO, "\"%s\" failed (exit %d): %s", r.shown.c_str(), r.exit_status, r.err.c_str());
}

class XtablesNicFilter : public NicFilterFirewall {
public:
    void load(const Driver &drv, const InstanceView &, const std::vector<const Nic *> &nics) const override {
        const auto saved = lxdp_cmd::run(drv.host(), {tool("ebtables-save")});
        check(saved);
        std::string load = "*filter\n";
        for (const Nic *nic : nics) {
            const std::string chain = chain_of(*nic);
            load += ":" + chain + " RETURN\n-F " + chain + "\n";
            for (const std::string &rule : chain_rules(*nic))
                load += "-A " + chain + " " + rule + "\n";
            // A running NIC's filter changing keeps the jumps it has.
            for (const char *base : {"INPUT", "FORWARD"}) {
                const std::string jump = std::string(base) + " -i " + nic->host_name + " -j " + chain;
                if (saved.out.find("\n-A " + jump + "\n") == std::string::npos)
                    load += "-I " + jump + "\n";
            }
        }
        check(lxdp_cmd::run_with_input(drv.host(), {tool("ebtables-restore"), "--noflush"}, load));
    }

    std::vector<std::vector<std::string>> undo(const Nic &nic) const override {
        const std::string ebtables = lxdp_cmd::find_tool("ebtables");
        if (ebtables.empty())
            return {};
        const std::string chain = chain_of(nic);
        return {{ebtables, "-D", "INPUT", "-i", nic.host_name, "-j", chain},
                {ebtables, "-D", "FORWARD", "-i", nic.host_name, "-j", chain},
                {ebtables, "-F", chain},
                {ebtables, "-X", chain}};
    }
};

} // namespace

const NicFilterFirewall &xtables_nic_filter() {
    static const XtablesNicFilter side;
    return side;
}

} // namespace lxdp_lxc
