// The daemon's end of liblxc's seccomp notification proxy (lxc.seccomp.notify.proxy): one
// SOCK_SEQPACKET listener at $LXD_DIR/seccomp.socket (0600), where the monitor of each
// intercepting container connects and forwards every notification of its container's seccomp
// listener (struct seccomp_notify_proxy_msg, then seccomp_notif, seccomp_notif_resp and the
// cookie, with the caller's /proc/PID and /proc/PID/mem and the listener as fds); the answer goes
// back the same way, without the cookie. Each connection has a thread of its own, so the daemon
// never waits on one. It listens from the first start that needs it; the socket stays where it is
// when the daemon stops, and a daemon that finds it starts listening at once, as running
// containers' monitors connect again to the same path at their next notification.
#pragma once

#include "lxc_common.h"

#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace lxdp_lxc {

class NotifyServer {
public:
    // At $LXD_DIR/seccomp.socket; listens only once asked to.
    explicit NotifyServer(const Driver &drv);
    ~NotifyServer();
    NotifyServer(const NotifyServer &) = delete;
    NotifyServer &operator=(const NotifyServer &) = delete;

    // Listens from now on (nothing when it already does); fails when the socket cannot be made.
    void listen();
    // Listens when an earlier daemon left its socket: its containers may still run.
    void resume();
    // liblxc's value of lxc.seccomp.notify.proxy.
    std::string proxy_address() const { return "unix:" + socket_path_; }

    struct Shared; // what connection threads share with the server, and may outlive it

private:
    std::string socket_path_;
    std::shared_ptr<Shared> shared_;
    std::mutex mu_;
    UniqueFd listener_;
    std::thread acceptor_;
};

} // namespace lxdp_lxc
