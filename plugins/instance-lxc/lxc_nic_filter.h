// The two sides of a bridged NIC's security.*_filtering, one per firewall backend
// (plugins/common/firewall.h): nftables bridge-family tables (lxc_nic_filter_nft.cpp) and
// ebtables chains (lxc_nic_filter_xtables.cpp). lxc_nic_filter.cpp says which NICs are filtered
// and which side loads their filters; each side owns its rule text.
#pragma once

#include "lxc_nic.h"

namespace lxdp_lxc {

// Whether the NIC filters its IPv4 (family 4) or IPv6 source addresses; MAC filtering is implied.
bool nic_filters_ip(const Nic &nic, int family);

class NicFilterFirewall {
public:
    virtual ~NicFilterFirewall() = default;
    // Loads the filters of nics (every one filtered), each replacing what its NIC had, at once.
    virtual void load(const Driver &drv, const InstanceView &inst, const std::vector<const Nic *> &nics) const = 0;
    // The commands that remove a NIC's filter: its undo script runs them (from a hook whose PATH
    // is fixed, so with the tool's path), each of which may fail once the filter is gone.
    virtual std::vector<std::vector<std::string>> undo(const Nic &nic) const = 0;
};

const NicFilterFirewall &nft_nic_filter();
const NicFilterFirewall &xtables_nic_filter();

} // namespace lxdp_lxc
