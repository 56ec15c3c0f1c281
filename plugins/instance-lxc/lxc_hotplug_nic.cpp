// NICs (and infiniband devices) of a running container: the interface is made on the host under
// a temporary name (or is the host's own: physical, an SR-IOV VF, infiniband's, prepared by its
// type first), as a start would have liblxc make it (same name inside, MAC, MTU, host side), then
// moved into the container's network namespace with liblxc's attach_interface and brought up
// there; an infiniband device's character devices follow as unix-char nodes. What liblxc
// does with its addresses and gateways at start follows (lxc_hotplug_nic_keys.cpp), then the
// host-side setup of its type (lxc_nic_<type>.cpp), limits and routes, as after a start. Its
// undo script (filters, routes, proxy entries: lxc_nic_stop_hook.cpp) is written first and runs
// when the NIC goes, with the container's stop or before.
#include "lxc_hotplug.h"
#include "lxc_driver.h"
#include "lxc_nic.h"
#include "lxc_ns.h"

#include <lxc/lxccontainer.h>

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace lxdp_lxc {

namespace {

// A name for an interface on its way in or out: "lxdt" and 8 hex digits, within IFNAMSIZ.
std::string transit_name() { return "lxdt" + random_hex(4); }

void set_up_inside(pid_t pid, const Nic &nic) {
    const std::string what = "Device " + nic.device + ": failed to bring up " + nic.name + " in the container";
    in_namespace(pid, CLONE_NEWNET, what.c_str(), [&] {
        UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        if (!sock)
            return errno;
        struct ifreq ifr = {};
        std::strncpy(ifr.ifr_name, nic.name.c_str(), IFNAMSIZ - 1);
        if (ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0)
            return errno;
        ifr.ifr_flags |= IFF_UP;
        return ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0 ? errno : 0;
    });
}

// Deletes a host interface, for undoing: the first error is the one the caller reports.
void delete_quietly(const Driver &drv, const std::string &name) {
    try {
        if (host_interface_exists(name))
            run_host(drv, {"ip", "link", "del", "dev", name});
    } catch (const Error &e) {
        drv.log(LXDP_LOG_WARN, "Failed to delete interface %s: %s", name.c_str(), e.what());
    }
}

// Runs a NIC's undo script, for undoing: the first error is the one the caller reports.
void undo_quietly(const Driver &drv, const InstanceView &inst, const std::string &device) {
    try {
        run_nic_undo(drv, inst, device);
    } catch (const Error &e) {
        drv.log(LXDP_LOG_WARN, "Failed to undo the host-side setup of NIC %s: %s", device.c_str(), e.what());
    }
}

// Takes the NIC out of the container: back to the host as back_name.
void move_out(Container &c, const Nic &nic, const std::string &back_name) {
    if (!c->detach_interface(c.get(), nic.name.c_str(), back_name.c_str()))
        fail(LXDP_E_IO, "Device %s: failed to move %s out of the container", nic.device.c_str(), nic.name.c_str());
}

} // namespace

void nic_add(const Driver &drv, const InstanceView &inst, const std::string &device, const lxdp_kv_sink *volatile_out) {
    std::vector<Nic> nics = instance_nics(inst, device);
    if (nics.empty())
        fail(LXDP_E_NOTFOUND, "Device %s: the instance has no such NIC", device.c_str());
    const Nic &nic = nics.front();
    const std::string type = nic.type->nictype;
    Container c(drv, inst);
    require_running(c);
    const pid_t pid = c->init_pid(c.get());
    check_live_gateways(drv, pid, nic);
    write_nic_undo(drv, inst, nic);

    // The interface that goes in (a host interface as it is, or one made for the NIC), and what to
    // delete on the host if it does not get there.
    const bool physical = type == "physical";
    const bool passed = physical || nic.type->prepare != nullptr;
    const std::string moved = physical ? nic.get("parent") : passed ? nic.host_name : transit_name();
    const std::string made = nic.type->host_veth ? nic.host_name : moved;
    bool inside = false;
    // Its character devices (an infiniband NIC's), read while its interface is on the host.
    const std::vector<DeviceConfig> nodes = nic_unix_nodes(nic);
    size_t nodes_in = 0;
    try {
        if (nic.type->prepare != nullptr)
            nic.type->prepare(drv, nic);
        if (nic.type->host_veth)
            run_host(drv, {"ip", "link", "add", "dev", nic.host_name, "type", "veth", "peer", "name", moved});
        else if (type == "macvlan")
            run_host(drv, {"ip", "link", "add", "link", nic.get("parent"), "name", moved, "type", "macvlan", "mode", "bridge"});
        else if (type == "ipvlan")
            run_host(drv, {"ip", "link", "add", "link", nic.get("parent"), "name", moved, "type", "ipvlan", "mode", "l3s", "bridge"});
        // Before the host side joins its bridge: it never forwards unfiltered.
        setup_nic_filters(drv, inst, nics);
        if (!nic.hwaddr.empty())
            run_host(drv, {"ip", "link", "set", "dev", moved, "address", nic.hwaddr});
        if (!nic.get("mtu").empty()) {
            run_host(drv, {"ip", "link", "set", "dev", moved, "mtu", nic.get("mtu")});
            if (nic.type->host_veth)
                run_host(drv, {"ip", "link", "set", "dev", nic.host_name, "mtu", nic.get("mtu")});
        }
        if (type == "bridged")
            join_nic_bridge(drv, nic);
        if (nic.type->host_veth)
            run_host(drv, {"ip", "link", "set", "dev", nic.host_name, "up"});
        if (!c->attach_interface(c.get(), moved.c_str(), nic.name.c_str()))
            fail(LXDP_E_IO, "Device %s: failed to move %s into the container as %s", device.c_str(), moved.c_str(),
                 nic.name.c_str());
        inside = true;
        set_up_inside(pid, nic);
        apply_live_keys(drv, pid, nic);
        setup_nic_host_sides(drv, nics);
        for (const DeviceConfig &cfg : nodes) {
            unix_node_add(drv, inst, device.c_str(), cfg);
            nodes_in++;
        }
    } catch (const Error &) {
        for (size_t i = 0; i < nodes_in; i++)
            try {
                unix_node_remove(drv, inst, device.c_str(), nodes[i]);
            } catch (const Error &e) {
                drv.log(LXDP_LOG_WARN, "%s", e.what());
            }
        // A veth goes with its host side; the others come back out first.
        if (inside && !nic.type->host_veth) {
            try {
                move_out(c, nic, moved);
            } catch (const Error &e) {
                drv.log(LXDP_LOG_WARN, "%s", e.what());
            }
        }
        if (!passed)
            delete_quietly(drv, made);
        undo_quietly(drv, inst, device);
        throw;
    }
    report_nics(nics, volatile_out);
    drv.log(LXDP_LOG_INFO, "Instance %s: NIC %s added as %s", inst.lxc_name().c_str(), device.c_str(), nic.name.c_str());
}

void nic_remove(const Driver &drv, const InstanceView &inst, const std::string &device) {
    const Nic nic = recorded_nic(inst, device);
    Container c(drv, inst);
    require_running(c);
    if (nic.type->host_veth) {
        // Deleting the host side deletes the container's end with it; without it, both are gone.
        if (host_interface_exists(nic.host_name))
            run_host(drv, {"ip", "link", "del", "dev", nic.host_name});
    } else if (nic.type->nictype == std::string("physical") || nic.type->prepare != nullptr) {
        // The host's interface goes back under its own name (its settings with the undo script).
        move_out(c, nic, nic.type->prepare != nullptr ? nic.host_name : nic.get("parent"));
        // Its character devices, read now that its interface is on the host again.
        for (const DeviceConfig &cfg : nic_unix_nodes(nic))
            unix_node_remove(drv, inst, device.c_str(), cfg);
    } else {
        const std::string back = transit_name();
        move_out(c, nic, back);
        run_host(drv, {"ip", "link", "del", "dev", back});
    }
    run_nic_undo(drv, inst, device);
    drv.log(LXDP_LOG_INFO, "Instance %s: NIC %s removed", inst.lxc_name().c_str(), device.c_str());
}

} // namespace lxdp_lxc
