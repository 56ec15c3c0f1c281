// SR-IOV virtual functions (VFs) of a host's physical function (PF), for the nic and infiniband
// devices of nictype sriov: finding a free one as upstream's SRIOVFindFreeVirtualFunction does,
// and unbinding and rebinding it to its driver so that what the PF set for it takes effect.
#pragma once

#include "lxc_common.h"

#include <memory>
#include <optional>
#include <vector>

namespace lxdp_lxc {

struct Vf {
    int id = -1;
    std::string netdev; // its interface on the host
    // While held, no other start or hot-plug of this daemon picks the VF (it stays down on the
    // host until liblxc moves it in).
    std::shared_ptr<const void> claim;
};

// A sysfs attribute's value without its trailing newline, nullopt when it cannot be read.
std::optional<std::string> read_sysfs(const std::string &path);

// Whether the host interface is an infiniband one (ARPHRD_INFINIBAND with an infiniband device).
bool is_infiniband_interface(const std::string &name);

// A free VF of the PF parent (device names the device in errors): one whose interface is in the
// host's namespace (a running container's VF is in the container's), has the PF's dev_id and
// dev_port, is down, has no global address and is not claimed. When none is and grow is set,
// sriov_numvfs is raised to sriov_totalvfs first, as upstream does for NICs (infiniband VFs come
// from the driver's module options only). A parent without sriov_totalvfs is LXDP_E_INVAL, no
// free VF LXDP_E_BUSY.
Vf claim_free_vf(const std::string &device, const std::string &parent, bool grow);

// The PCI address of VF id of parent ("0000:03:10.2").
std::string vf_pci_slot(const std::string &device, const std::string &parent, int id);

// The VF off its driver; and probed again, so it comes back with what the PF set for it, with
// its interface waited for under the name it had.
void unbind_vf(const std::string &device, const std::string &slot);
void rebind_vf(const std::string &device, const std::string &slot, const std::string &netdev);

// The same as commands of an undo script.
std::vector<std::string> unbind_vf_command(const std::string &slot);
std::vector<std::string> rebind_vf_command(const std::string &slot, const std::string &netdev);

} // namespace lxdp_lxc
