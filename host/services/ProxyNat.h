// Proxy devices with nat=true: instead of a forwarder, DNAT rules send what arrives at the listen
// address and ports to the instance's static address, as upstream's InstanceSetupProxyNAT does,
// through the firewall the daemon chose (plugins/DaemonFirewall.h): an nftables table of the
// device's own (ProxyNatNft.cpp) or iptables rules tagged with it (ProxyNatXtables.cpp). Both
// have upstream's three parts: traffic from elsewhere (prerouting), from the host itself
// (output) and the hairpin (postrouting: the instance reaching its own listen address).
#pragma once

#include <memory>
#include <string>

#include "services/ProxyAddress.h"

namespace lxdp::services {

// What a device's rules say.
struct ProxyNatSpec {
    std::string instance;  // "<project>_<instance>"
    std::string device;
    ProxyAddress listen, connect;
    std::string target;  // the instance's address (natConnectHost)
};

// One side's loaded rules; deleting it removes them (a failure is logged: the rules may be gone).
class ProxyNatRules {
public:
    virtual ~ProxyNatRules() = default;
};

// Each replaces what an earlier run left for the same device; BadRequest naming the device when
// the rules cannot be loaded.
std::unique_ptr<ProxyNatRules> loadNftProxyNat(const ProxyNatSpec& spec);
std::unique_ptr<ProxyNatRules> loadXtablesProxyNat(const ProxyNatSpec& spec);

class ProxyNat {
public:
    // Loads the rules with the daemon's firewall; BadRequest naming the device when they cannot
    // be loaded or no firewall is installed.
    explicit ProxyNat(const ProxyNatSpec& spec);

private:
    std::unique_ptr<ProxyNatRules> rules_;
};

}  // namespace lxdp::services
