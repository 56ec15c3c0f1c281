// The JSON of a network interface, as both /1.0/networks/<n>/state and an instance's
// state.network.<iface> show it.
#pragma once

#include <nlohmann/json.hpp>

#include "plugins/NetworkDriver.h"

namespace lxdp::services {

// {addresses: [{family, address, netmask, scope}], counters: {...}, hwaddr, mtu, state, type}
nlohmann::json interfaceJson(const plugins::NetInterface& iface);

// An instance's state.network: each interface by name, with its host_name.
nlohmann::json instanceNetworkJson(const std::vector<plugins::NetInterface>& interfaces);

}  // namespace lxdp::services
