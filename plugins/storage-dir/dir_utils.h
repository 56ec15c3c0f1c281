// Helpers of the dir driver: where volumes live in a pool, and whole-tree copy, removal and
// usage written with *at() syscalls that never follow a symlink out of the tree.
#pragma once

#include <sys/types.h>

#include <functional>
#include <stdexcept>
#include <string>

#include <lxdp/storage.h>

namespace lxdp_dir {

// A failure with the status to report; the op wrappers turn it into the lxdp_error.
class Failure : public std::runtime_error {
public:
    Failure(lxdp_status code, const std::string& message) : std::runtime_error(message), code(code) {}
    lxdp_status code;
};

// "what: strerror(errno)" as an LXDP_E_IO failure (NOTFOUND for ENOENT).
[[noreturn]] void failErrno(const std::string& what);

// ---- Volume paths, as upstream lays a dir pool out ----

// The pool's top-level directories and their modes: instance dirs 0711 so that unprivileged
// containers can traverse to their rootfs, everything else 0700.
struct PoolDir {
    const char* name;
    mode_t mode;
};
extern const PoolDir kPoolDirs[];
extern const size_t kPoolDirCount;

struct VolumeName {
    std::string parent;    // "c1"
    std::string snapshot;  // "snap0", or empty
};
// The value of key in the volume's config; nullptr when it has none.
const char* configValue(const lxdp_volume& vol, const char* key);

// Splits and checks a volume name: no empty, "." or ".." parts, at most one '/'.
VolumeName parseVolumeName(const char* name);

// <pool>/<type dir>/<name>, with "<project>_" before the name outside the default project
// (always, for custom volumes); snapshots under <type dir>-snapshots/<name>/<snap>.
std::string volumePath(const std::string& pool, const lxdp_volume& vol);
// <pool>/<type dir>-snapshots/<name>: the snapshots of the volume (or of the snapshot's parent).
std::string snapshotsPath(const std::string& pool, const lxdp_volume& vol);
// The directory a volume of this type goes in, and its mode.
const PoolDir& typeDir(uint32_t type, bool snapshots);

// Reports the volumes laid out under pool (volumePath's layout) through out, for volume_list:
// each snapshot after its volume, names sorted, dot-names (temporaries) left out.
void listVolumes(const std::string& pool, const lxdp_volume_sink& out);

// ---- Trees ----

bool exists(const std::string& path);
bool isEmptyDir(const std::string& path);  // false when missing
// mkdir with exactly this mode (whatever the umask); false when it already existed.
bool makeDir(const std::string& path, mode_t mode);

// Copies the tree src to dst (which must not exist): owners, modes, timestamps, xattrs,
// symlinks, device nodes, fifos and hard links inside the tree. cancelled() is polled per entry.
void copyTree(const std::string& src, const std::string& dst, const std::function<bool()>& cancelled);
// Removes the tree at path (nothing when missing), never following a symlink.
void removeTree(const std::string& path);
// Bytes allocated to the tree (st_blocks), each hard-linked inode once.
uint64_t treeUsage(const std::string& path);

}  // namespace lxdp_dir
