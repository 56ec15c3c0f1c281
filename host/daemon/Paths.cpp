#include "daemon/Paths.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace lxdp::daemon {

namespace {
void makeDir(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
        throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
    // Also for a dir left by an earlier run: the mode is part of the security model.
    ::chmod(path.c_str(), mode);
}
}  // namespace

Paths::Paths(std::string dir)
    : varDir(std::move(dir)),
      socket(varDir + "/unix.socket"),
      database(varDir + "/database/local.db"),
      images(varDir + "/images"),
      logs(varDir + "/logs"),
      cache(varDir + "/cache"),
      containers(varDir + "/containers"),
      storagePools(varDir + "/storage-pools") {}

void Paths::create() const {
    // Unprivileged containers reach their rootfs through the data dir: others may traverse
    // (0711) but not list it.
    makeDir(varDir, 0711);
    makeDir(varDir + "/database", 0700);
    makeDir(images, 0700);
    makeDir(logs, 0700);
    makeDir(cache, 0700);
    makeDir(containers, 0711);
    makeDir(storagePools, 0711);
}

std::string defaultVarDir() {
    const char* env = std::getenv("LXD_DIR");
    return env && *env ? env : "/var/lib/lxd";
}

}  // namespace lxdp::daemon
