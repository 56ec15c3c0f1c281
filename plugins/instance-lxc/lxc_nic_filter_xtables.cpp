// The xtables side of security.*_filtering: each filtered NIC gets an ebtables chain of its own,
// "lxdpp_<host_name>" (ebtables rules take no comment: the chain's name is the tag), which the
// bridge's INPUT and FORWARD chains jump to, first, for what arrives from the NIC's host side.
// A load declares or flushes the chains and fills them in one ebtables-restore --noflush, so a
// running NIC's new rules replace its old ones at once; removing the filter is deleting the two
// jumps and the chain. The rules are upstream's ebtables rules of its xtables driver, in the
// order of the nftables side: the MAC first, then the addresses, then any other ethertype.
// The one check ebtables cannot make, the target MAC option of a neighbour advertisement (it
// reads no ICMPv6 payload), is upstream's ip6tables rule on the bridged packets br_netfilter
// hands to ip6tables: a chain of the same name there, jumped to from INPUT and FORWARD for what
// came in through the NIC's host side (physdev), loaded by ip6tables-restore --noflush.
#include "lxc_nic_filter.h"

#include "command.h"
#include "firewall.h"

#include <fstream>

namespace lxdp_lxc {

namespace {

std::string chain_of(const Nic &nic) { return "lxdpp_" + nic.host_name; }

// A NIC's rules: its ebtables chain's, and the ip6tables chain's for what ebtables cannot read.
struct ChainRules {
    std::vector<std::string> ebtables, ip6tables;
};

// RETURN hands the frame back to the bridge's chain (the other rules of the host), DROP ends it.
ChainRules rules_of(const Nic &nic) {
    using C = NicFilterCheck;
    ChainRules out;
    auto &eb = out.ebtables;
    for (const NicFilterCheck &check : nic_filter_policy(nic)) {
        const std::string allowed = check.allowed.empty() ? "" : check.allowed[0];
        switch (check.kind) {
        case C::source_mac: eb.push_back("-s ! " + allowed + " -j DROP"); break;
        case C::arp_mac: eb.push_back("-p ARP --arp-mac-src ! " + allowed + " -j DROP"); break;
        // Upstream's match of the option's 6 bytes at 66..72 of the packet (the IPv6 header's 40,
        // the advertisement's 24, the option's type and length).
        case C::advert_mac:
            out.ip6tables.push_back("-p ipv6-icmp -m icmp6 --icmpv6-type 136 -m string ! --hex-string \"|" +
                                    mac_hex(allowed) + "|\" --algo bm --from 66 --to 72 -j DROP");
            break;
        case C::no_arp: eb.push_back("-p ARP -j DROP"); break;
        case C::no_ipv4: eb.push_back("-p IPv4 -j DROP"); break;
        case C::arp_ip: eb.push_back("-p ARP --arp-ip-src ! " + allowed + " -j DROP"); break;
        case C::accept_dhcp_discovery:
            eb.push_back("-p IPv4 --ip-src 0.0.0.0 --ip-dst 255.255.255.255 --ip-proto udp --ip-dport 67 -j RETURN");
            break;
        case C::ipv4_source: eb.push_back("-p IPv4 --ip-src ! " + allowed + " -j DROP"); break;
        case C::no_router_advert:
            eb.push_back("-p IPv6 --ip6-proto ipv6-icmp --ip6-icmp-type router-advertisement -j DROP");
            break;
        case C::no_ipv6: eb.push_back("-p IPv6 -j DROP"); break;
        case C::ipv6_source:
            for (const std::string &source : check.allowed)
                eb.push_back("-p IPv6 --ip6-src " + source + " -j RETURN");
            eb.push_back("-p IPv6 -j DROP");
            break;
        case C::known_ethertype:
            eb.insert(eb.end(), {"-p ARP -j RETURN", "-p IPv4 -j RETURN", "-p IPv6 -j RETURN", "-j DROP"});
            break;
        }
    }
    return out;
}

std::string jump_rule(const char *base, const Nic &nic) {
    return std::string(base) + " -m physdev --physdev-in " + nic.host_name + " -j " + chain_of(nic);
}

// ip6tables sees bridged packets only with br_netfilter's ip6tables call on; without it the
// advertisement check would load and never match. IPv6 filtering then refuses, as upstream's.
void require_bridge_ip6tables(const Nic &nic) {
    std::ifstream sysctl("/proc/sys/net/bridge/bridge-nf-call-ip6tables");
    std::string on;
    if (!(sysctl >> on) || on != "1")
        fail(LXDP_E_NOTSUP, "Device %s: security.ipv6_filtering with the xtables firewall needs br_netfilter with "
                            "net.bridge.bridge-nf-call-ip6tables=1 (it checks neighbour advertisements with ip6tables)",
             nic.device.c_str());
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
        std::vector<ChainRules> rules;
        std::string load = "*filter\n";
        for (const Nic *nic : nics) {
            const std::string chain = chain_of(*nic);
            rules.push_back(rules_of(*nic));
            load += ":" + chain + " RETURN\n-F " + chain + "\n";
            for (const std::string &rule : rules.back().ebtables)
                load += "-A " + chain + " " + rule + "\n";
            // A running NIC's filter changing keeps the jumps it has.
            for (const char *base : {"INPUT", "FORWARD"}) {
                const std::string jump = std::string(base) + " -i " + nic->host_name + " -j " + chain;
                if (saved.out.find("\n-A " + jump + "\n") == std::string::npos)
                    load += "-I " + jump + "\n";
            }
        }
        check(lxdp_cmd::run_with_input(drv.host(), {tool("ebtables-restore"), "--noflush"}, load));
        try {
            load_adverts(drv, nics, rules);
        } catch (const Error &) {
            // No NIC is left filtered by half its rules: the caller cuts a running one off.
            for (const Nic *nic : nics)
                for (const auto &argv : undo(*nic))
                    lxdp_cmd::run(drv.host(), argv);
            throw;
        }
    }

    std::vector<std::vector<std::string>> undo(const Nic &nic) const override {
        std::vector<std::vector<std::string>> cmds;
        const std::string chain = chain_of(nic);
        if (const std::string ebtables = lxdp_cmd::find_tool("ebtables"); !ebtables.empty())
            cmds.insert(cmds.end(), {{ebtables, "-D", "INPUT", "-i", nic.host_name, "-j", chain},
                                     {ebtables, "-D", "FORWARD", "-i", nic.host_name, "-j", chain},
                                     {ebtables, "-F", chain},
                                     {ebtables, "-X", chain}});
        if (const std::string ip6tables = lxdp_cmd::find_tool("ip6tables"); !ip6tables.empty()) {
            for (const char *base : {"INPUT", "FORWARD"})
                cmds.push_back({ip6tables, "-w", "-D", base, "-m", "physdev", "--physdev-in", nic.host_name, "-j", chain});
            cmds.push_back({ip6tables, "-w", "-F", chain});
            cmds.push_back({ip6tables, "-w", "-X", chain});
        }
        return cmds;
    }

private:
    // The ip6tables rules of nics (rules[i] those of nics[i]), each chain replacing what it
    // held, in one load.
    static void load_adverts(const Driver &drv, const std::vector<const Nic *> &nics,
                             const std::vector<ChainRules> &rules) {
        for (const Nic *nic : nics)
            if (nic_filters_ip(*nic, 6))
                require_bridge_ip6tables(*nic);
        const auto saved = lxdp_cmd::run(drv.host(), {tool("ip6tables-save"), "-t", "filter"});
        check(saved);
        std::string load = "*filter\n";
        for (size_t i = 0; i < nics.size(); i++) {
            const Nic &nic = *nics[i];
            // A declared chain that exists is flushed by --noflush's restore.
            load += ":" + chain_of(nic) + " - [0:0]\n";
            for (const std::string &rule : rules[i].ip6tables)
                load += "-A " + chain_of(nic) + " " + rule + "\n";
            for (const char *base : {"INPUT", "FORWARD"})
                if (saved.out.find("\n-A " + jump_rule(base, nic) + "\n") == std::string::npos)
                    load += "-I " + jump_rule(base, nic) + "\n";
        }
        load += "COMMIT\n";
        check(lxdp_cmd::run_with_input(drv.host(), {tool("ip6tables-restore"), "-w", "--noflush"}, load));
    }
};

} // namespace

const NicFilterFirewall &xtables_nic_filter() {
    static const XtablesNicFilter side;
    return side;
}

} // namespace lxdp_lxc
