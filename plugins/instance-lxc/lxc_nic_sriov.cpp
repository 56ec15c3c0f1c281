// nictype=sriov: a free virtual function (VF) of the parent, an SR-IOV physical function (PF),
// goes in as a physical NIC does, as upstream's nic_sriov: while the VF is unbound from its
// driver, the PF gives it the NIC's VLAN and, with security.mac_filtering, the NIC's MAC with
// spoof checking on (else no MAC and spoof checking off); the VF is bound again so that they take
// effect, and liblxc moves its interface in with the NIC's name, MAC and MTU. What the VF and its
// interface had is recorded in volatile.<dev>.last_state.* and put back by the NIC's undo script
// when it leaves (the stop, a removal, a failed start), the VF unbound and bound again likewise.
#include "lxc_nic.h"
#include "lxc_sriov.h"
#include "lxc_vf_netlink.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace lxdp_lxc {

namespace {

constexpr const char *kNoMac = "00:00:00:00:00:00";

void check(const Nic &nic) { require_parent(nic, false); }

void claim(Nic &nic) {
    const std::string parent = nic.get("parent");
    const Vf vf = claim_free_vf(nic.device, parent, true);
    nic.claim = vf.claim;
    nic.host_name = vf.netdev;
    const VfSettings was = read_vf(parent, vf.id);
    nic.last_state["created"] = "false"; // the VF is the host's: never deleted
    nic.last_state["vf.id"] = std::to_string(vf.id);
    nic.last_state["vf.hwaddr"] = was.mac;
    nic.last_state["vf.vlan"] = std::to_string(was.vlan);
    nic.last_state["vf.spoofcheck"] = was.spoofchk ? "true" : "false";
    snapshot_interface(nic);
}

// The PF up, as upstream (some drivers, Intel's, need it for their VFs).
void set_parent_up(const Nic &nic) {
    UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    struct ifreq ifr = {};
    std::strncpy(ifr.ifr_name, nic.get("parent").c_str(), IFNAMSIZ - 1);
    if (!sock || ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0)
        fail_errno(errno, "Device %s: failed to read the flags of \"%s\"", nic.device.c_str(), ifr.ifr_name);
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0)
        fail_errno(errno, "Device %s: failed to bring \"%s\" up", nic.device.c_str(), ifr.ifr_name);
}

int vf_id(const Nic &nic) { return std::stoi(nic.last_state.at("vf.id")); }

// The PF's settings for the VF, in upstream's order: Intel's cards take a custom MAC under spoof
// checking only when the MAC comes first.
void set_vf(const Nic &nic) {
    const std::string pf = nic.get("parent");
    const int id = vf_id(nic);
    if (!nic.get("vlan").empty())
        set_vf_vlan(pf, id, std::stoi(nic.get("vlan")));
    if (parse_bool(nic.get("security.mac_filtering"))) {
        set_vf_mac(pf, id, nic.hwaddr);
        set_vf_spoofchk(pf, id, true);
    } else {
        // No MAC restriction left from an earlier user, which some cards need before a new MAC.
        set_vf_mac(pf, id, kNoMac);
        set_vf_spoofchk(pf, id, false);
    }
}

void prepare(const Driver &drv, const Nic &nic) {
    set_parent_up(nic);
    const std::string slot = vf_pci_slot(nic.device, nic.get("parent"), vf_id(nic));
    unbind_vf(nic.device, slot);
    try {
        set_vf(nic);
    } catch (const Error &) {
        // Never leave the VF without its driver; its settings go back with the undo script.
        try {
            rebind_vf(nic.device, slot, nic.host_name);
        } catch (const Error &e) {
            drv.log(LXDP_LOG_WARN, "%s", e.what());
        }
        throw;
    }
    rebind_vf(nic.device, slot, nic.host_name);
}

// Upstream's restoreSriovParent: the VF unbound, its VLAN, spoof checking, then its MAC, bound
// again, and its interface's MAC and MTU.
std::vector<std::vector<std::string>> undo(const Nic &nic) {
    auto state = [&](const char *key) {
        auto it = nic.last_state.find(key);
        return it == nic.last_state.end() ? std::string() : it->second;
    };
    const std::string pf = nic.get("parent"), id = state("vf.id");
    std::string slot;
    try {
        slot = vf_pci_slot(nic.device, pf, std::stoi(id));
    } catch (const std::exception &) {
        return {}; // no VF recorded, or the PF is gone: nothing to put back
    }
    std::vector<std::vector<std::string>> out{unbind_vf_command(slot)};
    if (!state("vf.vlan").empty())
        out.push_back({"ip", "link", "set", "dev", pf, "vf", id, "vlan", state("vf.vlan")});
    if (!state("vf.spoofcheck").empty())
        out.push_back({"ip", "link", "set", "dev", pf, "vf", id, "spoofchk",
                       parse_bool(state("vf.spoofcheck")) ? "on" : "off"});
    if (!state("vf.hwaddr").empty())
        out.push_back({"ip", "link", "set", "dev", pf, "vf", id, "mac", state("vf.hwaddr")});
    out.push_back(rebind_vf_command(slot, nic.host_name));
    for (auto &argv : restore_interface_commands(nic))
        out.push_back(std::move(argv));
    return out;
}

} // namespace

// The VF's interface gets the NIC's own MAC (volatile.<dev>.hwaddr), put back when it leaves.
const NicType kNicSriov = {"sriov", false, true, check, passed_interface_keys, nullptr, claim, prepare, undo};

} // namespace lxdp_lxc
