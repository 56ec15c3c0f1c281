// The nftables side of proxy NAT: each device has a table of its own,
// "<ip|ip6> lxdpp_proxy_<project>_<instance>.<device>", with upstream's chains prert.<label>,
// out.<label> and pstrt.<label>, so that removing the rules is deleting the table.
#include <Poco/Logger.h>

#include <cctype>
#include <sstream>

#include "plugins/CommandRunner.h"
#include "services/ProxyNat.h"
#include "util/ApiError.h"

namespace lxdp::services {
namespace {

// nft in one invocation, one transaction: the whole ruleset fits in one argument (at most 1024
// ports).
bool runNft(const std::string& commands, std::string& error) {
    const char* argv[] = {"nft", commands.c_str(), nullptr};
    lxdp_command cmd{sizeof(lxdp_command), 30000, argv, nullptr, nullptr, nullptr, 0, 0};
    lxdp_error err{};
    err.struct_size = sizeof err;
    int32_t status = -1;
    const bool ok = plugins::runCommand(cmd, nullptr, &status, &err) == LXDP_OK && status == 0;
    error = err.message;
    return ok;
}

// nft identifiers take letters, digits and "_.-/" only.
std::string identifier(std::string s) {
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') c = '_';
    return s;
}

class NftProxyNat : public ProxyNatRules {
public:
    explicit NftProxyNat(const ProxyNatSpec& spec) {
        const ProxyAddress& listen = spec.listen;
        const ProxyAddress& connect = spec.connect;
        const std::string id = identifier(spec.instance + "." + spec.device);
        const bool v6 = spec.target.find(':') != std::string::npos;
        const std::string family = v6 ? "ip6" : "ip";
        table_ = family + " lxdpp_proxy_" + id;
        const std::string to = v6 ? "[" + spec.target + "]" : spec.target;
        const std::string match = family + " daddr " + listen.host + " " + listen.proto + " dport ";
        std::ostringstream dnat, hairpin;
        if (connect.ports.size() == 1) {
            std::string ports;
            for (uint16_t p : listen.ports) ports += (ports.empty() ? "" : ", ") + std::to_string(p);
            dnat << "    " << match << "{ " << ports << " } dnat to " << to << ":" << connect.ports[0] << "\n";
        } else {
            for (size_t i = 0; i < listen.ports.size(); i++)
                dnat << "    " << match << listen.ports[i] << " dnat to " << to << ":" << connect.portFor(i) << "\n";
        }
        std::string targetPorts;
        for (uint16_t p : connect.ports) targetPorts += (targetPorts.empty() ? "" : ", ") + std::to_string(p);
        hairpin << "    " << family << " saddr " << spec.target << " " << family << " daddr " << spec.target << " "
                << connect.proto << " dport { " << targetPorts << " } masquerade\n";
        std::ostringstream r;
        // Adding then deleting the table replaces whatever an earlier run left, in the same load.
        r << "table " << table_ << "\ndelete table " << table_ << "\ntable " << table_ << " {\n"
          << "  chain prert." << id << " {\n    type nat hook prerouting priority -100; policy accept;\n" << dnat.str()
          << "  }\n"
          << "  chain out." << id << " {\n    type nat hook output priority -100; policy accept;\n" << dnat.str()
          << "  }\n"
          << "  chain pstrt." << id << " {\n    type nat hook postrouting priority 100; policy accept;\n"
          << hairpin.str() << "  }\n}\n";
        std::string error;
        if (!runNft(r.str(), error))
            throw BadRequest("Device \"" + spec.device + "\": cannot load the NAT rules: " + error);
    }

    ~NftProxyNat() override {
        std::string error;
        if (!runNft("table " + table_ + "\ndelete table " + table_, error))
            Poco::Logger::get("devices").warning("proxy NAT table %s: cannot delete it: %s", table_, error);
    }

private:
    std::string table_;  // "<family> <name>"
};

}  // namespace

std::unique_ptr<ProxyNatRules> loadNftProxyNat(const ProxyNatSpec& spec) { return std::make_unique<NftProxyNat>(spec); }

}  // namespace lxdp::services
