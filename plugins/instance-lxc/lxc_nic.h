// NICs of containers. Every nictype is wired by liblxc (one lxc.net.N block each) and, where its
// host side needs more than liblxc does, by commands the host runs once the container runs. One
// file per type (lxc_nic_<type>.cpp) says both; this file holds what the types share: names,
// MACs, volatile keys and the interfaces a running container sees.
#pragma once

#include "lxc_common.h"

#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace lxdp_lxc {

struct NicType;

struct Nic {
    std::string device;    // the device name in the instance config
    const NicType *type = nullptr;
    std::map<std::string, std::string> config; // the device's keys
    std::string name;      // inside the container: "eth0"
    std::string hwaddr;    // "" for types that keep the parent's MAC
    std::string host_name; // the veth's host side, or the host interface that goes in (SR-IOV VF, infiniband)
    // What the NIC's removal puts back on the host interface that went in, as upstream's
    // volatile.<dev>.last_state.* keys ("vf.id", "hwaddr", ...), recorded with the NIC.
    std::map<std::string, std::string> last_state;
    // Held while the NIC's start or hot-plug runs: its SR-IOV VF is not picked by another.
    std::shared_ptr<const void> claim;
    std::string get(const std::string &key) const;
};

// lxc.net.N.<key> = value pairs of one NIC, N left out.
using NetKeys = std::vector<std::pair<std::string, std::string>>;

struct NicType {
    const char *nictype;
    bool host_veth; // the host side is a veth named host_name (limits.* apply to it)
    bool own_mac;   // the container side gets a MAC of its own (volatile.<dev>.hwaddr)
    // Refuses what the type cannot wire here (missing parent, unsupported key), before the start.
    void (*check)(const Nic &nic);
    // The type's lxc.net keys; name, hwaddr, mtu and flags are added for every type.
    void (*lxc_keys)(const Nic &nic, NetKeys &keys);
    // Host-side setup once the container runs (NULL: none). The host side goes with the container.
    void (*host_setup)(const Driver &drv, const Nic &nic);
    // Types that pass a host interface in (SR-IOV VFs, infiniband): picks it (host_name) and
    // records what its removal restores (last_state), after check and before anything changes.
    void (*claim)(Nic &nic) = nullptr;
    // Sets the host interface up before it goes in, at the start or hot-plug (the PF's settings of
    // a VF, an infiniband address); undone by the commands of undo, which the NIC's undo script runs.
    void (*prepare)(const Driver &drv, const Nic &nic) = nullptr;
    std::vector<std::vector<std::string>> (*undo)(const Nic &nic) = nullptr;
};

extern const NicType kNicBridged;  // lxc_nic_bridged.cpp
extern const NicType kNicP2p;      // lxc_nic_p2p.cpp
extern const NicType kNicMacvlan;  // lxc_nic_macvlan.cpp
extern const NicType kNicIpvlan;   // lxc_nic_ipvlan.cpp
extern const NicType kNicRouted;   // lxc_nic_routed.cpp
extern const NicType kNicPhysical; // lxc_nic_physical.cpp
extern const NicType kNicSriov;    // lxc_nic_sriov.cpp
// Devices of type infiniband (lxc_nic_infiniband.cpp), NICs of their own nictype.
extern const NicType kInfinibandPhysical;
extern const NicType kInfinibandSriov;
// The character devices that go in with a NIC, as unix-char configs at their own paths: the
// /dev/infiniband issm, umad and uverbs devices of an infiniband NIC's host interface (read from
// the host's sysfs, so while the interface is on the host), none for other NICs.
std::vector<DeviceConfig> nic_unix_nodes(const Nic &nic);

// Helpers of the type files.
bool host_interface_exists(const std::string &name);
void require_parent(const Nic &nic, bool bridge);            // parent (or network) exists on the host
void refuse_keys(const Nic &nic, std::initializer_list<const char *> keys); // LXDP_E_NOTSUP when set
std::vector<std::string> split_list(const std::string &value); // "a, b" -> {"a", "b"}
void run_host(const Driver &drv, const std::vector<std::string> &argv);
// The lxc.net keys of a host interface that goes in as it is (host_name), as liblxc's phys type.
void passed_interface_keys(const Nic &nic, NetKeys &keys);
// The host interface's hwaddr and mtu into last_state (upstream's networkSnapshotPhysicalNic), and
// the commands that put them back (networkRestorePhysicalNic).
void snapshot_interface(Nic &nic);
std::vector<std::vector<std::string>> restore_interface_commands(const Nic &nic);
// The prepare steps of every NIC of a start that has one, before liblxc moves them in.
void prepare_nic_interfaces(const Driver &drv, const std::vector<Nic> &nics);
// bytes random bytes from /dev/urandom as lowercase hex (at most 8).
std::string random_hex(size_t bytes);
// limits.ingress/egress/max on a host-side veth through tc (lxc_nic_limits.cpp), and their
// change on a running NIC from old's to now's (same host side; also from a change that failed
// halfway, back to old's).
void apply_nic_limits(const Driver &drv, const Nic &nic);
void update_nic_limits(const Driver &drv, const Nic &old, const Nic &now);

// Bridged NICs on Open vSwitch bridges (lxc_nic_bridged.cpp): whether an interface is one (its
// driver is openvswitch), the hot-plugged host side joining its bridge (ovs-vsctl for those,
// as liblxc's start does), and the command that removes an Open vSwitch port the veth's deletion
// leaves in the switch's database.
bool is_ovs_bridge(const std::string &name);
void join_nic_bridge(const Driver &drv, const Nic &nic);
std::vector<std::vector<std::string>> nic_bridge_undo(const Nic &nic);

// security.*_filtering of bridged NICs (lxc_nic_filter.cpp): loads the filters of those of nics
// that have them (before the NICs join their bridge) and names the commands that remove them.
void setup_nic_filters(const Driver &drv, const InstanceView &inst, const std::vector<Nic> &nics);
std::vector<std::vector<std::string>> nic_filter_undo(const Nic &nic);
// A running NIC's filter changed from old's to now's (same host side). When now's filter fails to
// load, the NIC's host side is left down (nothing passes) and the error says so; a later change
// that loads brings it up again.
void update_nic_filter(const Driver &drv, const InstanceView &inst, const Nic &old, const Nic &now);

// ipv4.routes/ipv6.routes of bridged and p2p NICs (lxc_nic_routes.cpp), added once the container
// runs, and the commands that remove those the container's stop leaves behind.
void add_nic_routes(const Driver &drv, const Nic &nic);
std::vector<std::vector<std::string>> nic_route_undo(const Nic &nic);
// A running NIC's routes changed from old's to now's: those now drops deleted (gone already is
// no error), its own added or replaced.
void update_nic_routes(const Driver &drv, const Nic &old, const Nic &now);
// The parent's proxy ARP/NDP entries of a routed NIC, which its stop leaves behind, removed
// (lxc_nic_routed.cpp).
std::vector<std::vector<std::string>> nic_routed_undo(const Nic &nic);

// The scripts that undo the above, one per NIC, and the stop hook that runs them when the
// container stops (lxc_nic_stop_hook.cpp): the liblxc keys that make it the stop hook, the
// scripts of a start (written before it, replacing an earlier start's), the script of one NIC
// (written before its setup, hot-plugged or not), the run of one NIC's script (its removal from
// a running container) and a run of the hook where it may not have run.
NetKeys nic_stop_hook_keys(const Driver &drv, const InstanceView &inst);
void prepare_nic_undo(const Driver &drv, const InstanceView &inst, const std::vector<Nic> &nics);
void write_nic_undo(const Driver &drv, const InstanceView &inst, const Nic &nic);
void run_nic_undo(const Driver &drv, const InstanceView &inst, const std::string &device);
void run_nic_stop_hook(const Driver &drv, const InstanceView &inst);

// The NICs of an instance, with names, MACs and veth names reused from its volatile keys or made
// up. A NIC type the driver cannot wire is a Failure (LXDP_E_NOTSUP), raised before the start.
// only: that NIC alone (to add it to a running container), the others' names kept out of its way.
std::vector<Nic> instance_nics(const InstanceView &inst, const std::string &only = "");

// A NIC of a running container as its start or hot-plug recorded it (name, host_name and
// last_state from the volatile keys), without the checks of a new one: what removing it needs.
Nic recorded_nic(const InstanceView &inst, const std::string &device);

// Keys to record for the NICs of a start: volatile.<dev>.hwaddr, .host_name, .name and
// .last_state.*.
void report_nics(const std::vector<Nic> &nics, const lxdp_kv_sink *volatile_out);

// Runs the host-side setup of every NIC of a started container.
void setup_nic_host_sides(const Driver &drv, const std::vector<Nic> &nics);

// The interfaces of a running container (nothing when it is stopped).
void instance_interfaces(const Driver &drv, const InstanceView &inst, const lxdp_net_interface_sink *out);

} // namespace lxdp_lxc
