#include "lxc_terminal.h"

#include "lxc_driver.h"
#include "lxc_idmap.h"

#include <lxc/lxccontainer.h>

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <string>

namespace lxdp_lxc {

TerminalPair terminal_open(const Driver &drv, const InstanceView &inst) {
    Container c(drv, inst);
    require_running(c);
    // The monitor keeps the devpts mount it set up at /dev/pts (lxc.pty.max is set); opening
    // ptmx through it allocates the pty in the container's instance, never in the host's.
    UniqueFd devpts(c->devpts_fd(c.get()));
    if (!devpts)
        fail(LXDP_E_NOTSUP, "The devpts instance of %s cannot be reached", inst.lxc_name().c_str());
    TerminalPair pair;
    pair.master.reset(openat(devpts.get(), "ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!pair.master)
        fail_errno(errno, "Failed to open a terminal in %s", inst.lxc_name().c_str());
    int unlock = 0;
    if (ioctl(pair.master.get(), TIOCSPTLCK, &unlock) != 0)
        fail_errno(errno, "Failed to unlock the terminal of %s", inst.lxc_name().c_str());
    // TIOCGPTPEER opens the peer without a path lookup that the container could redirect.
    pair.terminal.reset(ioctl(pair.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!pair.terminal)
        fail_errno(errno, "Failed to open the terminal side in %s", inst.lxc_name().c_str());
    // A new pty belongs to whoever opened ptmx, the host's root, which is nobody in a container
    // of its own id map: its root could not use it as its own, nor give it to another user.
    const Idmap map = disk_idmap(inst); // the map the running container was started with
    if (!map.empty()) {
        const auto uid = idmap_to_host(map, 0, true);
        const auto gid = idmap_to_host(map, 0, false);
        if (!uid || !gid || fchown(pair.terminal.get(), uid_t(*uid), gid_t(*gid)) != 0)
            fail_errno(uid && gid ? errno : EINVAL, "Failed to give the terminal of %s to its root",
                       inst.lxc_name().c_str());
    }
    return pair;
}

} // namespace lxdp_lxc
