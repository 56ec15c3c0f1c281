// Proxy devices with nat=true: instead of a forwarder, DNAT rules send what arrives at the listen
// address and ports to the instance's static address, as upstream's InstanceSetupProxyNAT does.
// Each device has an nftables table of its own, "<ip|ip6> lxdpp_proxy_<project>_<instance>.<device>",
// with upstream's chains prert.<label> (traffic from elsewhere), out.<label> (from the host
// itself) and pstrt.<label> (hairpin: the instance reaching its own listen address).
#pragma once

#include <string>

#include "services/ProxyAddress.h"

namespace lxdp::services {

class ProxyNat {
public:
    // Loads the rules; BadRequest naming the device when nft refuses them. target is the
    // instance's address (natConnectHost).
    ProxyNat(const std::string& label, const std::string& device, const ProxyAddress& listen, const ProxyAddress& connect,
             const std::string& target);
    ~ProxyNat();  // deletes the table
    ProxyNat(const ProxyNat&) = delete;
    ProxyNat& operator=(const ProxyNat&) = delete;

private:
    std::string table_;  // "<family> <name>"
};

}  // namespace lxdp::services
