// The settings an SR-IOV physical function (PF) holds for each of its virtual functions (VFs):
// MAC, VLAN and spoof checking, read and set through rtnetlink on the PF (IFLA_VFINFO_LIST), as
// upstream's `ip link set dev PF vf N ...` does.
#pragma once

#include "lxc_common.h"

namespace lxdp_lxc {

struct VfSettings {
    std::string mac;       // "00:00:00:00:00:00" when none is set
    int vlan = 0;          // 0: none
    bool spoofchk = false;
};

// VF vf of pf as the kernel reports it. A PF that lists no such VF is LXDP_E_NOTFOUND.
VfSettings read_vf(const std::string &pf, int vf);

void set_vf_mac(const std::string &pf, int vf, const std::string &mac);
void set_vf_vlan(const std::string &pf, int vf, int vlan);
void set_vf_spoofchk(const std::string &pf, int vf, bool on);

} // namespace lxdp_lxc
