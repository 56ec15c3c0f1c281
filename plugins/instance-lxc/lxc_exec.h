// Commands run inside a container through liblxc's attach.
#pragma once

#include "lxc_common.h"

#include <mutex>
#include <optional>

namespace lxdp_lxc {

// The attached process, held through a pidfd so that a signal can never hit a recycled pid.
class ExecHandle {
public:
    ExecHandle(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
    pid_t pid() const { return pid_; }
    int32_t wait();
    void signal(int sig);

private:
    pid_t pid_;
    UniqueFd pidfd_;
    std::mutex mu_;
    std::optional<int32_t> exit_code_;
};

ExecHandle *exec_start(const Driver &drv, const InstanceView &inst, const lxdp_exec_request *req);

} // namespace lxdp_lxc
