#include "services/ProxyNat.h"

#include "plugins/DaemonFirewall.h"
#include "util/ApiError.h"

namespace lxdp::services {

ProxyNat::ProxyNat(const ProxyNatSpec& spec) {
    switch (plugins::firewallBackend()) {
    case plugins::FirewallBackend::nftables: rules_ = loadNftProxyNat(spec); break;
    case plugins::FirewallBackend::xtables: rules_ = loadXtablesProxyNat(spec); break;
    default:
        throw BadRequest("Device \"" + spec.device + "\": " + plugins::firewallMissing("nat=true of proxy devices"));
    }
}

}  // namespace lxdp::services
