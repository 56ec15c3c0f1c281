// NICs of containers: bridged NICs (network= or parent=) as veth pairs whose host side joins the
// bridge, and the interfaces a running container sees, read from inside its network namespace.
#pragma once

#include "lxc_common.h"

#include <vector>

namespace lxdp_lxc {

struct Nic {
    std::string device;    // the device name in the instance config
    std::string name;      // inside the container: "eth0"
    std::string link;      // the bridge on the host
    std::string hwaddr;    // volatile.<device>.hwaddr when the host chose one
    std::string host_name; // the veth's host side
    std::string mtu;       // "" for the bridge's
};

// The NICs this driver wires, with MACs and veth names reused from the instance's keys or made
// up. A NIC type it cannot wire is a Failure (LXDP_E_NOTSUP).
std::vector<Nic> instance_nics(const InstanceView &inst);

// Keys to record for the NICs of a start: volatile.<dev>.hwaddr, .host_name and .name.
void report_nics(const std::vector<Nic> &nics, const lxdp_kv_sink *volatile_out);

// The interfaces of a running container (nothing when it is stopped).
void instance_interfaces(const Driver &drv, const InstanceView &inst, const lxdp_net_interface_sink *out);

} // namespace lxdp_lxc
