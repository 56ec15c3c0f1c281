// The liblxc features LXD reports as GET /1.0 environment.lxc_features.
#pragma once

#include <lxdp/abi.h>

namespace lxdp_lxc {

// One out->set(name, "true"|"false") per liblxc API extension upstream LXD 5.0.2 checks, in its
// order, as liblxc's lxc_has_api_extension answers for the library this plugin runs with.
void report_features(const lxdp_kv_sink &out);

} // namespace lxdp_lxc
