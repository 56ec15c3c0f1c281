// Host adapter for network drivers: the only host code that calls an lxdp_network_ops table.
// Every failure is a PluginError (an ApiError); a function the driver leaves NULL is NOTSUP.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <lxdp/network.h>

namespace lxdp::plugins {

using StringMap = std::map<std::string, std::string>;

struct NetworkRef {
    std::string project = "default";
    std::string name;
    StringMap config;
};

struct NetAddress {
    std::string family;  // "inet", "inet6"
    std::string address;
    std::string netmask;  // prefix length
    std::string scope;
};

// lxdp_net_interface as the host keeps it.
struct NetInterface {
    std::string name;
    std::string hwaddr;
    std::string hostName;
    std::string state;
    std::string type;
    uint32_t mtu = 0;
    uint64_t bytesReceived = 0;
    uint64_t bytesSent = 0;
    uint64_t packetsReceived = 0;
    uint64_t packetsSent = 0;
    std::vector<NetAddress> addresses;
};

struct NetLease {
    std::string hostname;
    std::string hwaddr;
    std::string address;
    std::string type;  // "dynamic", "static"
};

// Copies what a driver reports through an lxdp_net_interface_sink (shared with InstanceDriver).
NetInterface copyInterface(const lxdp_net_interface& iface);

// One network component of a loaded plugin. Probed once when the registry accepts it.
class NetworkDriver {
public:
    // ops is copied into a zeroed table, so members a plugin built on an older minor lacks read
    // as NULL (not supported).
    NetworkDriver(std::string name, const lxdp_network_ops& ops, const lxdp_host_api* host);
    NetworkDriver(const NetworkDriver&) = delete;
    NetworkDriver& operator=(const NetworkDriver&) = delete;

    const std::string& name() const { return name_; }
    std::string version() const;
    bool usable() const { return usable_; }
    const std::string& probeError() const { return probeError_; }

    void validate(const NetworkRef& net) const;
    // The config keys the driver fills in (e.g. an "auto" address made real).
    StringMap create(const NetworkRef& net) const;
    void start(const NetworkRef& net) const;
    void stop(const NetworkRef& net) const;
    void update(const NetworkRef& old, const NetworkRef& updated) const;
    void remove(const NetworkRef& net) const;
    std::vector<NetInterface> state(const NetworkRef& net) const;
    std::vector<NetLease> leases(const NetworkRef& net) const;
    // lease empty: forget owner's static lease.
    void staticLease(const NetworkRef& net, const std::string& owner, const std::optional<NetLease>& lease) const;

private:
    std::string name_;
    lxdp_network_ops ops_;
    const lxdp_host_api* host_;
    bool usable_ = false;
    std::string probeError_;
};

}  // namespace lxdp::plugins
