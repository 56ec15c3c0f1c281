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

// The frames the container may not send, as rules for both chains. The MAC rules come first so
// that no accept further down lets a spoofed MAC through (Incus CVE-2025-52889).
std::vector<std::string> drop_rules(const Nic &nic) {
    const std::string mac = nic.hwaddr;
    std::string mac_hex = "0x";
    for (char c : mac)
        if (c != ':')
            mac_hex += char(std::tolower(static_cast<unsigned char>(c)));
    std::vector<std::string> rules = {
        "ether saddr != " + mac + " drop",
        "ether type arp arp saddr ether != " + mac + " drop",
        // The target link-layer address option of a neighbour advertisement.
        "ether type ip6 icmpv6 type nd-neighbor-advert @nh,528,48 != " + mac_hex + " drop",
    };
    if (nic_filters_ip(nic, 4)) {
        // Without an address of its own the container may send no IPv4 at all (spec).
        const std::string v4 = nic.get("ipv4.address");
        if (v4.empty()) {
            rules.push_back("ether type arp drop");
            rules.push_back("ether type ip drop");
        } else {
            rules.push_back("ether type arp arp saddr ip != " + v4 + " drop");
            // DHCP discovery comes from 0.0.0.0 before the lease.
            rules.push_back("ether type ip ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp dport 67 accept");
            rules.push_back("ether type ip ip saddr != " + v4 + " drop");
        }
    }
    if (nic_filters_ip(nic, 6)) {
        rules.push_back("ether type ip6 icmpv6 type nd-router-advert drop");
        const std::string v6 = nic.get("ipv6.address");
        // Link-local and the unspecified address carry neighbour discovery and DHCPv6.
        if (v6.empty())
            rules.push_back("ether type ip6 drop");
        else
            rules.push_back("ether type ip6 ip6 saddr != { ::, fe80::/10, " + v6 + " } drop");
    }
    // Anything but ARP, IPv4 and IPv6 (QinQ frames, say) could carry what the rules above miss.
    if (nic_filters_ip(nic, 4) || nic_filters_ip(nic, 6))
        rules.push_back("ether type != { arp, ip, ip6 } drop");
    return rules;
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
                for (const std::string &rule : drop_rules(*nic))
                    load << "    iifname \"" << nic->host_name << "\" " << rule << "\n";
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
