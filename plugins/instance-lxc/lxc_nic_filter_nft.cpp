// The nftables side of security.*_filtering: each filtered NIC gets a table of its own,
// "bridge lxdpp_<host_name>", holding upstream's two chains (in.<instance>.<device> at the
// bridge's input hook, fwd.<instance>.<device> at its forward hook), so that removing the filter
// is deleting one table, and a new table replaces the old one in the same load.
#include "lxc_nic_filter.h"

#include <cctype>
#include <cerrno>
#include <sstream>

namespace lxdp_lxc {

namespace {

// The file in the container's directory that loads the tables (run_command has no stdin).
constexpr const char *kLoadFile = "/nic-filters.nft";

std::string table_of(const Nic &nic) { return "lxdpp_" + nic.host_name; }

// "<instance>.<device>" as an nft identifier: device names may hold what nft does not accept.
std::string device_label(const InstanceView &inst, const Nic &nic) {
    std::string label = inst.lxc_name() + "." + nic.device;
    for (char &c : label)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
            c = '_';
    return label;
}

// The nft rule of a check, for both chains.
std::string rule_of(const NicFilterCheck &check) {
    using C = NicFilterCheck;
    const std::string allowed = check.allowed.empty() ? "" : check.allowed[0];
    switch (check.kind) {
    case C::source_mac: return "ether saddr != " + allowed + " drop";
    case C::arp_mac: return "ether type arp arp saddr ether != " + allowed + " drop";
    // The option's 6 bytes at bit 528 of the network header (the IPv6 header's 40 bytes, the
    // advertisement's 24, the option's type and length).
    case C::advert_mac: return "ether type ip6 icmpv6 type nd-neighbor-advert @nh,528,48 != 0x" + mac_hex(allowed) + " drop";
    case C::no_arp: return "ether type arp drop";
    case C::no_ipv4: return "ether type ip drop";
    case C::arp_ip: return "ether type arp arp saddr ip != " + allowed + " drop";
    case C::accept_dhcp_discovery: return "ether type ip ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp dport 67 accept";
    case C::ipv4_source: return "ether type ip ip saddr != " + allowed + " drop";
    case C::no_router_advert: return "ether type ip6 icmpv6 type nd-router-advert drop";
    case C::no_ipv6: return "ether type ip6 drop";
    case C::ipv6_source: {
        std::string set;
        for (const std::string &source : check.allowed)
            set += (set.empty() ? "" : ", ") + source;
        return "ether type ip6 ip6 saddr != { " + set + " } drop";
    }
    case C::known_ethertype: return "ether type != { arp, ip, ip6 } drop";
    }
    fail(LXDP_E_INTERNAL, "Unknown NIC filter check %d", int(check.kind));
}

class NftNicFilter : public NicFilterFirewall {
public:
    void load(const Driver &drv, const InstanceView &inst, const std::vector<const Nic *> &nics) const override {
        std::ostringstream load;
        for (const Nic *nic : nics) {
            // "table X" then "delete table X": replaces the table whether or not it is there.
            load << "table bridge " << table_of(*nic) << "\ndelete table bridge " << table_of(*nic) << "\n"
                 << "table bridge " << table_of(*nic) << " {\n";
            for (const char *hook : {"input", "forward"}) {
                load << "  chain " << (hook[0] == 'i' ? "in." : "fwd.") << device_label(inst, *nic) << " {\n"
                     << "    type filter hook " << hook << " priority -200; policy accept;\n";
                for (const NicFilterCheck &check : nic_filter_policy(*nic))
                    load << "    iifname \"" << nic->host_name << "\" " << rule_of(check) << "\n";
                load << "  }\n";
            }
            load << "}\n";
        }
        const std::string file = drv.container_dir(inst) + kLoadFile;
        write_file(file, load.str());
        try {
            run_host(drv, {"nft", "-f", file});
        } catch (const Error &) {
            unlink(file.c_str()); // the load's error is the one to report
            throw;
        }
        if (unlink(file.c_str()) != 0)
            fail_errno(errno, "Failed to remove %s", file.c_str());
    }

    std::vector<std::vector<std::string>> undo(const Nic &nic) const override {
        return {{"nft", "delete", "table", "bridge", table_of(nic)}};
    }
};

} // namespace

const NicFilterFirewall &nft_nic_filter() {
    static const NftNicFilter side;
    return side;
}

} // namespace lxdp_lxc
