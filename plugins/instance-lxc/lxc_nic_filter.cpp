// security.mac_filtering, security.ipv4_filtering and security.ipv6_filtering of bridged NICs:
// nftables bridge-family rules on the NIC's host-side veth that drop what the container sends
// with a source MAC or IP that is not its own, as upstream's InstanceSetupBridgeFilter does.
//
// Each filtered NIC gets a table of its own, "bridge lxdpp_<host_name>", holding upstream's two
// chains (in.<instance>.<device> at the bridge's input hook, fwd.<instance>.<device> at its
// forward hook), so that removing the filter is deleting one table. A table is loaded before its
// NIC's host side joins the bridge (no unfiltered moment: before the start, or before a hot-plugged
// NIC is attached) and deleted by the NIC's undo script (lxc_nic_stop_hook.cpp), which runs when
// the container stops or the NIC is removed from it. A running NIC's filter changes in place
// (update_nic_filter): the new table replaces the old one in the same load, and a NIC whose new
// filter fails to load is cut off rather than left filtered less than asked (fail closed).
#include "lxc_nic.h"

#include <cctype>
#include <cerrno>
#include <sstream>

#include "command.h"

namespace lxdp_lxc {

namespace {

// The file in the container's directory that loads the tables (run_command has no stdin).
constexpr const char *kLoadFile = "/nic-filters.nft";

bool is_set(const Nic &nic, const char *key) { return !nic.get(key).empty() && parse_bool(nic.get(key)); }

bool filters_ip(const Nic &nic, int family) {
    return is_set(nic, family == 4 ? "security.ipv4_filtering" : "security.ipv6_filtering");
}

// IP filtering implies MAC filtering (spec: "enables mac_filtering").
bool is_filtered(const Nic &nic) {
    return nic.type == &kNicBridged &&
           (is_set(nic, "security.mac_filtering") || filters_ip(nic, 4) || filters_ip(nic, 6));
}

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
    if (filters_ip(nic, 4)) {
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
    if (filters_ip(nic, 6)) {
        rules.push_back("ether type ip6 icmpv6 type nd-router-advert drop");
        const std::string v6 = nic.get("ipv6.address");
        // Link-local and the unspecified address carry neighbour discovery and DHCPv6.
        if (v6.empty())
            rules.push_back("ether type ip6 drop");
        else
            rules.push_back("ether type ip6 ip6 saddr != { ::, fe80::/10, " + v6 + " } drop");
    }
    // Anything but ARP, IPv4 and IPv6 (QinQ frames, say) could carry what the rules above miss.
    if (filters_ip(nic, 4) || filters_ip(nic, 6))
        rules.push_back("ether type != { arp, ip, ip6 } drop");
    return rules;
}

// "table X" then "delete table X": deletes the table whether or not it is there, in one load.
std::string delete_table(const Nic &nic) {
    return "table bridge " + table_of(nic) + "\ndelete table bridge " + table_of(nic) + "\n";
}

// A NIC whose new filter did not load must not forward under the old filter or none (fail
// closed, as Incus since incus#4008): its host side goes down, and nothing crosses until a change
// of its filter succeeds, it is added again or the container restarts. Throws why, saying so.
[[noreturn]] void cut_off(const Driver &drv, const Nic &nic, const Error &why) {
    try {
        run_host(drv, {"ip", "link", "set", "dev", nic.host_name, "down"});
    } catch (const Error &e) {
        fail(why.code(), "Device %s: its filter could not be applied (%s), nor could the NIC be cut off: %s",
             nic.device.c_str(), why.what(), e.what());
    }
    fail(why.code(), "Device %s: its filter could not be applied, so the NIC passes no traffic until it is: %s",
         nic.device.c_str(), why.what());
}

} // namespace

std::vector<std::vector<std::string>> nic_filter_undo(const Nic &nic) {
    if (!is_filtered(nic))
        return {};
    return {{"nft", "delete", "table", "bridge", table_of(nic)}};
}

void setup_nic_filters(const Driver &drv, const InstanceView &inst, const std::vector<Nic> &nics) {
    std::ostringstream load;
    for (const Nic &nic : nics) {
        if (!is_filtered(nic))
            continue;
        load << delete_table(nic) << "table bridge " << table_of(nic) << " {\n";
        for (const char *hook : {"input", "forward"}) {
            load << "  chain " << (hook[0] == 'i' ? "in." : "fwd.") << device_label(inst, nic) << " {\n"
                 << "    type filter hook " << hook << " priority -200; policy accept;\n";
            for (const std::string &rule : drop_rules(nic))
                load << "    iifname \"" << nic.host_name << "\" " << rule << "\n";
            load << "  }\n";
        }
        load << "}\n";
    }
    if (load.str().empty())
        return;
    if (!lxdp_cmd::have_tool("nft"))
        fail(LXDP_E_NOTSUP, "nft is not installed: security.*_filtering of NICs needs it (package nftables)");
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

void update_nic_filter(const Driver &drv, const InstanceView &inst, const Nic &old, const Nic &now) {
    try {
        if (is_filtered(now))
            setup_nic_filters(drv, inst, {now}); // one load replaces the old table: no gap
        else if (is_filtered(old))
            run_host(drv, nic_filter_undo(old).front());
    } catch (const Error &e) {
        // Dropping the filter failed: the old one still holds, the NIC is as it was.
        if (!is_filtered(now))
            throw;
        cut_off(drv, now, e);
    }
    // Up again, should an earlier change that failed have cut it off.
    run_host(drv, {"ip", "link", "set", "dev", now.host_name, "up"});
}

} // namespace lxdp_lxc
