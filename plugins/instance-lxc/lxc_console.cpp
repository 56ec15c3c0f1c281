#include "lxc_console.h"

#include "lxc_driver.h"

#include <lxc/lxccontainer.h>

#include <fcntl.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <string>

namespace lxdp_lxc {

namespace {

// The monitor keeps the console proxy for as long as the command socket console_getfd returned
// stays open, and the ABI hands the host only the pty. So the socket of each container's last
// attach is kept here, and closed when the next attach comes: liblxc allows one console client
// at a time, and the host attaches a second one only once the earlier one is over.
class ConsoleSockets {
public:
    void replace(const std::string &container, UniqueFd socket) {
        std::lock_guard<std::mutex> lock(mu_);
        sockets_[container] = std::move(socket);
    }
    void release(const std::string &container) {
        std::lock_guard<std::mutex> lock(mu_);
        sockets_.erase(container);
    }

private:
    std::mutex mu_;
    std::map<std::string, UniqueFd> sockets_;
};

ConsoleSockets &console_sockets() {
    static ConsoleSockets sockets;
    return sockets;
}

} // namespace

int console_attach(const Driver &drv, const InstanceView &inst) {
    Container c(drv, inst);
    require_running(c);
    const std::string key = drv.container_dir(inst);
    console_sockets().release(key);
    int tty = 0; // the console itself, not one of lxc.tty.max's ttys
    int ptx = -1;
    UniqueFd socket(c->console_getfd(c.get(), &tty, &ptx));
    if (!socket || ptx < 0)
        fail(LXDP_E_BUSY, "Failed to attach to the console of %s (busy, or the container has none)",
             inst.lxc_name().c_str());
    UniqueFd terminal(ptx);
    if (fcntl(socket.get(), F_SETFD, FD_CLOEXEC) != 0 || fcntl(terminal.get(), F_SETFD, FD_CLOEXEC) != 0)
        fail_errno(errno, "Failed to set close-on-exec on the console of %s", inst.lxc_name().c_str());
    console_sockets().replace(key, std::move(socket));
    return terminal.release();
}

} // namespace lxdp_lxc
