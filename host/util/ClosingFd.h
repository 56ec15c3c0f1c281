// An fd owned by a scope: closed when the scope ends. Plain (no copy guard) so that it is made as
// ClosingFd{::open(...)}; hand it on by its value only where the callee does not close it.
#pragma once

#include <unistd.h>

namespace lxdp::util {

struct ClosingFd {
    int fd;
    ~ClosingFd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace lxdp::util
