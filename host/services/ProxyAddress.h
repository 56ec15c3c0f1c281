// The listen and connect keys of proxy devices and the rules that relate a device's keys, as
// the spec gives them: "<tcp|udp>:<address>:<port>[-<port>][,<port>]" or "unix:<path>".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/Records.h"

namespace lxdp::services {

struct ProxyAddress {
    std::string proto;            // "tcp", "udp" or "unix"
    std::string host;             // tcp, udp: without IPv6 brackets
    std::vector<uint16_t> ports;  // tcp, udp: ranges expanded, in the order given
    std::string path;             // unix

    // The connect port that serves the i-th listen port: one port serves them all, else the
    // i-th of as many.
    uint16_t portFor(size_t i) const { return ports.size() == 1 ? ports[0] : ports[i]; }
};

// BadRequest naming the device and key when value is not an address of that form.
ProxyAddress parseProxyAddress(const std::string& device, const std::string& key, const std::string& value);

// Whether host is 0.0.0.0 or ::, which in connect means the instance's own address.
bool isWildcardHost(const std::string& host);

// The keys of a proxy device checked together (protocols that go together, port counts, nat's
// needs). devices are the instance's expanded devices (nat=true connects to one of its NICs).
// BadRequest naming the device.
void checkProxyDevice(const std::string& name, const db::StringMap& dev, const db::DeviceMap& devices);

// The static address of a bridged NIC of devices that a nat=true proxy connects to: connect's
// own host, or the NIC's address of that family for a wildcard. "" when no NIC has it.
std::string natConnectHost(const ProxyAddress& connect, const db::DeviceMap& devices);

}  // namespace lxdp::services
