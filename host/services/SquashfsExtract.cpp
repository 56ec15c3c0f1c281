#include "services/SquashfsExtract.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <lxdp/abi.h>

#include "images/ImageArchive.h"
#include "ops/Operation.h"
#include "plugins/CommandRunner.h"
#include "util/ApiError.h"

namespace lxdp::services {

// unsquashfs (squashfs-tools, a dependency of the daemon's package), as upstream LXD: neither
// libarchive nor another library Debian ships in a maintained form reads squashfs. Confinement:
// squashfs-tools 4.5.1 refuses entry names holding "/" or "..", and a name given twice (a symlink
// and then a directory of the same name), so nothing is written through a symlink it made or
// outside destDir; the directory is new, so nothing in it was there before to be followed.
void extractSquashfs(const std::string& file, const std::string& destDir, ops::Operation& op) {
    // Its mode and owner come from the filesystem's root; 0700 until unsquashfs sets them.
    if (::mkdir(destDir.c_str(), 0700) != 0)
        throw InternalError("Failed to create " + destDir + ": " + std::strerror(errno));
    // -f: destDir exists (made here, empty); -n: no progress bar on a pipe nobody reads.
    const char* argv[] = {"unsquashfs", "-n", "-f", "-d", destDir.c_str(), file.c_str(), nullptr};
    lxdp_command cmd{sizeof(lxdp_command), 0, argv, nullptr, nullptr, nullptr, 0, 0};
    lxdp_error err{};
    int32_t status = 0;
    const lxdp_status rc = plugins::runCommand(cmd, op.abiHandle(), &status, &err);
    if (rc == LXDP_E_CANCELLED || op.cancelled()) throw ApiError(400, images::kOperationCancelled);
    if (rc != LXDP_OK || status != 0)
        throw BadRequest(std::string("Failed to unpack the image's squashfs rootfs: ") +
                         (err.message[0] ? err.message : "unsquashfs exited with status " + std::to_string(status)));
}

}  // namespace lxdp::services
