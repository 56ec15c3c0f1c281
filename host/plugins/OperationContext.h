// The host's side of lxdp_op: what a plugin reaches through op_progress and op_cancelled.
// The core's Operation implements it; plugins only ever see the opaque lxdp_op pointer.
#pragma once

#include <lxdp/abi.h>

namespace lxdp::plugins {

class OperationContext {
public:
    virtual ~OperationContext() = default;
    virtual void progress(const lxdp_progress& progress) = 0;
    virtual bool cancelled() const = 0;
};

}  // namespace lxdp::plugins

// Defined by the host (abi.h only declares it): the handle an operation hands to a plugin call.
struct lxdp_op {
    lxdp::plugins::OperationContext* ctx;
};
