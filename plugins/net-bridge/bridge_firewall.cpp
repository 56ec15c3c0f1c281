// Which rules a bridge wants, loaded by the side of the firewall backend the plugin chose.
#include "bridge_firewall.h"

#include "firewall.h"

namespace lxdp_bridge {

namespace {

const BridgeFirewall *chosen() {
    switch (lxdp_fw::backend()) {
    case lxdp_fw::Backend::nftables: return &nft_bridge_firewall();
    case lxdp_fw::Backend::xtables: return &xtables_bridge_firewall();
    default: return nullptr;
    }
}

BridgeRules wanted(const Settings &s) {
    BridgeRules r;
    if (s.ipv4 && s.ipv4_nat)
        r.nat.push_back({4, s.ipv4->subnet(), s.ipv4_nat_address, s.ipv4_nat_after});
    if (s.ipv6 && s.ipv6_nat)
        r.nat.push_back({6, s.ipv6->subnet(), s.ipv6_nat_address, s.ipv6_nat_after});
    r.filter4 = s.ipv4 && s.ipv4_firewall;
    r.filter6 = s.ipv6 && s.ipv6_firewall;
    return r;
}

} // namespace

void firewall_clear(const Net &net) {
    if (const BridgeFirewall *fw = chosen())
        fw->clear(net);
}

void firewall_apply(const Net &net, const Settings &s) {
    const BridgeRules r = wanted(s);
    if (r.nat.empty() && !r.filter4 && !r.filter6) {
        firewall_clear(net);
        return;
    }
    const BridgeFirewall *fw = chosen();
    if (fw == nullptr)
        fail(LXDP_E_NOTSUP, lxdp_fw::missing("NAT and firewall rules for " + net.name) +
                                "; or set ipv4.nat, ipv4.firewall and their ipv6 twins to false");
    try {
        fw->apply(net, r);
    } catch (const lxdp_fw::Error &e) {
        fail(e.code, e.message);
    }
}

} // namespace lxdp_bridge
