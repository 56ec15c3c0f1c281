// The xtables side of proxy NAT, as upstream's xtables driver: iptables (ip6tables for an IPv6
// instance) rules in the nat table's built-in chains, each tagged -m comment --comment
// "generated for LXD container <project>_<instance> (<device>)", loaded in one
// iptables-restore and removed by that tag.
#include <Poco/Logger.h>

#include <set>

#include "plugins/DaemonFirewall.h"
#include "services/ProxyNat.h"
#include "util/ApiError.h"

namespace lxdp::services {
namespace {

class XtablesProxyNat : public ProxyNatRules {
public:
    explicit XtablesProxyNat(const ProxyNatSpec& spec)
        : comment_(plugins::xtablesComment("container " + spec.instance + " (" + spec.device + ")")),
          family_(spec.target.find(':') != std::string::npos ? 6 : 4) {
        const std::string tag = " -m comment --comment \"" + comment_ + "\"";
        const std::string to = family_ == 6 ? "[" + spec.target + "]" : spec.target;
        const ProxyAddress& listen = spec.listen;
        const ProxyAddress& connect = spec.connect;
        std::string rules = "*nat\n";
        for (size_t i = 0; i < listen.ports.size(); i++) {
            const std::string dnat = " -p " + listen.proto + " -d " + listen.host + " --dport " +
                                     std::to_string(listen.ports[i]) + tag + " -j DNAT --to-destination " + to + ":" +
                                     std::to_string(connect.portFor(i)) + "\n";
            rules += "-A PREROUTING" + dnat + "-A OUTPUT" + dnat;
        }
        for (uint16_t port : std::set<uint16_t>(connect.ports.begin(), connect.ports.end()))
            rules += "-A POSTROUTING -p " + connect.proto + " -s " + spec.target + " -d " + spec.target + " --dport " +
                     std::to_string(port) + tag + " -j MASQUERADE\n";
        rules += "COMMIT\n";
        try {
            // What an earlier run left goes in the same load, in either family.
            plugins::xtablesReplace(family_ == 6 ? 4 : 6, comment_, "");
            plugins::xtablesReplace(family_, comment_, rules);
        } catch (const std::exception& e) {
            throw BadRequest("Device \"" + spec.device + "\": cannot load the NAT rules: " + e.what());
        }
    }

    ~XtablesProxyNat() override {
        try {
            plugins::xtablesReplace(family_, comment_, "");
        } catch (const std::exception& e) {
            Poco::Logger::get("devices").warning("proxy NAT rules \"%s\": cannot delete them: %s", comment_,
                                                 std::string(e.what()));
        }
    }

private:
    std::string comment_;
    int family_;
};

}  // namespace

std::unique_ptr<ProxyNatRules> loadXtablesProxyNat(const ProxyNatSpec& spec) {
    return std::make_unique<XtablesProxyNat>(spec);
}

}  // namespace lxdp::services
