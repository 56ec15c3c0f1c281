// nictype=bridged: a veth pair whose host side joins a bridge, the managed network's (network=)
// or any bridge of the host (parent=): a Linux bridge, or an Open vSwitch bridge
// (bridge.driver=openvswitch), which liblxc's start joins with ovs-vsctl by itself and a hot-plug
// joins the same way.
#include "lxc_nic.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

namespace lxdp_lxc {

namespace {

std::string bridge_of(const Nic &nic) { return !nic.get("parent").empty() ? nic.get("parent") : nic.get("network"); }

void check(const Nic &nic) {
    refuse_keys(nic, {"vlan"});
    require_parent(nic, true);
    // The filters are nftables bridge-family rules, which an Open vSwitch bridge never runs:
    // refused rather than left unfiltered.
    if (is_ovs_bridge(bridge_of(nic)))
        for (const char *key : {"security.mac_filtering", "security.ipv4_filtering", "security.ipv6_filtering"})
            if (!nic.get(key).empty() && parse_bool(nic.get(key)))
                fail(LXDP_E_NOTSUP, "Device %s: %s is not supported on the Open vSwitch bridge %s", nic.device.c_str(),
                     key, bridge_of(nic).c_str());
}

void lxc_keys(const Nic &nic, NetKeys &keys) {
    keys.emplace_back("type", "veth");
    keys.emplace_back("link", bridge_of(nic));
    keys.emplace_back("veth.pair", nic.host_name);
}

} // namespace

const NicType kNicBridged = {"bridged", true, true, check, lxc_keys, nullptr};

bool is_ovs_bridge(const std::string &name) {
    UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    struct ethtool_drvinfo info = {};
    info.cmd = ETHTOOL_GDRVINFO;
    struct ifreq ifr = {};
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    ifr.ifr_data = reinterpret_cast<char *>(&info);
    return sock && ioctl(sock.get(), SIOCETHTOOL, &ifr) == 0 && std::strcmp(info.driver, "openvswitch") == 0;
}

void join_nic_bridge(const Driver &drv, const Nic &nic) {
    if (is_ovs_bridge(bridge_of(nic)))
        run_host(drv, {"ovs-vsctl", "--timeout=30", "--may-exist", "add-port", bridge_of(nic), nic.host_name});
    else
        run_host(drv, {"ip", "link", "set", "dev", nic.host_name, "master", bridge_of(nic)});
}

std::vector<std::vector<std::string>> nic_bridge_undo(const Nic &nic) {
    if (nic.type != &kNicBridged || !is_ovs_bridge(bridge_of(nic)))
        return {};
    return {{"ovs-vsctl", "--timeout=30", "--if-exists", "del-port", bridge_of(nic), nic.host_name}};
}

} // namespace lxdp_lxc
