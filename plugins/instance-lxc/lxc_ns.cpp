#include "lxc_ns.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <string>
#include <thread>

namespace lxdp_lxc {

void in_namespace(pid_t pid, int nstype, const char *what, const std::function<int()> &fn) {
    const std::string path = "/proc/" + std::to_string(pid) + (nstype == CLONE_NEWNS ? "/ns/mnt" : "/ns/net");
    UniqueFd ns(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns)
        fail_errno(errno, "Failed to open %s", path.c_str());
    if (int err = in_namespace_fd(ns.get(), nstype, fn); err != 0)
        fail_errno(err, "%s", what);
}

int in_namespace_fd(int nsfd, int nstype, const std::function<int()> &fn) {
    int err = 0;
    std::thread worker([&] {
        // A thread shares its root, cwd and umask with the process; the kernel lets it join a
        // mount namespace only with those of its own.
        if (unshare(CLONE_FS) != 0) {
            err = errno;
            return;
        }
        err = setns(nsfd, nstype) != 0 ? errno : fn();
    });
    worker.join();
    return err;
}

} // namespace lxdp_lxc
