#include "services/InterfaceJson.h"

namespace lxdp::services {

nlohmann::json interfaceJson(const plugins::NetInterface& i) {
    nlohmann::json addresses = nlohmann::json::array();
    for (const auto& a : i.addresses)
        addresses.push_back({{"family", a.family}, {"address", a.address}, {"netmask", a.netmask}, {"scope", a.scope}});
    return {{"addresses", addresses},
            {"counters",
             {{"bytes_received", i.bytesReceived},
              {"bytes_sent", i.bytesSent},
              {"packets_received", i.packetsReceived},
              {"packets_sent", i.packetsSent}}},
            {"hwaddr", i.hwaddr},
            {"mtu", i.mtu},
            {"state", i.state},
            {"type", i.type}};
}

nlohmann::json instanceNetworkJson(const std::vector<plugins::NetInterface>& interfaces) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& i : interfaces) {
        out[i.name] = interfaceJson(i);
        out[i.name]["host_name"] = i.hostName;
    }
    return out;
}

}  // namespace lxdp::services
