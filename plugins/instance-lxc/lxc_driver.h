// Lifecycle of containers through liblxc: create, start, stop, state, remove, rename.
#pragma once

#include "lxc_common.h"

namespace lxdp_lxc {

void instance_create(const Driver &drv, const InstanceView &inst, const lxdp_kv_sink *volatile_out, lxdp_op *op);
void instance_start(const Driver &drv, const InstanceView &inst, const lxdp_kv_sink *volatile_out, lxdp_op *op);
void instance_stop(const Driver &drv, const InstanceView &inst, bool force, int32_t timeout_s);
void instance_freeze(const Driver &drv, const InstanceView &inst, bool freeze);
void instance_remove(const Driver &drv, const InstanceView &inst);
void instance_rename(const Driver &drv, const InstanceView &inst, const char *new_name);
void instance_state(const Driver &drv, const InstanceView &inst, lxdp_instance_state *state);

// LXDP_E_INSTANCE_NOT_RUNNING unless the container runs (frozen counts as running).
void require_running(Container &c);

} // namespace lxdp_lxc
