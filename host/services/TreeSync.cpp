#include "services/TreeSync.h"

#include <vector>

#include <lxdp/abi.h>

#include "ops/Operation.h"
#include "plugins/CommandRunner.h"
#include "util/ApiError.h"

namespace lxdp::services {

// rsync (a dependency of the daemon's package since custom volumes move between pools) rather
// than a walk of our own: it keeps ownership, modes, hard links, ACLs, xattrs, device nodes and
// holes (-S), skips files whose content already matches, and --delete removes what the
// source no longer has, which an idmapped container tree needs all of.
void syncTree(const std::string& src, const std::string& dst, ops::Operation& op, SyncCheck check) {
    const std::string from = src + "/", to = dst + "/";
    std::vector<const char*> argv = {"rsync", "-aHAXS", "--numeric-ids", "--delete"};
    argv.push_back(check == SyncCheck::Everything ? "--ignore-times" : "--checksum");
    argv.insert(argv.end(), {from.c_str(), to.c_str(), nullptr});
    lxdp_command cmd{sizeof(lxdp_command), 0, argv.data(), nullptr, nullptr, nullptr, 0, 0};
    lxdp_error err{};
    int32_t status = 0;
    if (plugins::runCommand(cmd, op.abiHandle(), &status, &err) != LXDP_OK || status != 0)
        throw InternalError(std::string("Failed to copy the volume's files: ") +
                            (err.message[0] ? err.message : "rsync exited with status " + std::to_string(status)));
}

}  // namespace lxdp::services
