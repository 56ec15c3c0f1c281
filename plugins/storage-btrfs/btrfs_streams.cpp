// Volumes as btrfs send streams (ABI 1.3's volume_send and volume_receive): how a volume goes whole
// to another btrfs pool, its snapshots as differences from the one before, and what an optimized
// backup holds. The stream is the kernel's (BTRFS_IOC_SEND), received by `btrfs receive`.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "btrfs_driver.h"

namespace lxdp_btrfs {
namespace {

using lxdp_dir::parseVolumeName;

// A directory for one send or receive among the volumes of its type: on the pool's filesystem, so
// what lands in it is renamed into place. Its name starts with a dot, which no volume's does, so
// volume_list leaves it out. It goes, with any subvolume left in it, when the call ends.
class ScratchDir {
public:
    ScratchDir(const Pool& p, uint32_t type, const char* purpose) {
        makeTypeDir(p, type, false);
        std::string pattern = p.mountPath + "/" + lxdp_dir::typeDir(type, false).name + "/." + purpose + "-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) failErrno("create a directory like " + pattern);
        path_ = pattern;
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir() {
        try { deleteSubvolumesIn(path_); } catch (...) {}
        ::rmdir(path_.c_str());
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// What btrfs receive made in dir: one subvolume, named as the one that was sent.
std::string onlyEntry(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) failErrno("read " + dir);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d))
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
    ::closedir(d);
    if (names.size() != 1)
        throw Failure(LXDP_E_IO, "btrfs receive left " + std::to_string(names.size()) + " entries in " + dir +
                                     " where one subvolume was expected");
    return dir + "/" + names.front();
}

std::string baseName(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

}  // namespace

lxdp_status volume_send(void* pool, const lxdp_volume* vol, const lxdp_volume* parent, int32_t fd, lxdp_op*,
                        lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        const std::string path = pathOf(p, *vol);
        requireExists(path, *vol);
        std::string parentPath;
        if (parent != nullptr) {
            parentPath = pathOf(p, *parent);
            requireExists(parentPath, *parent);
        }
        // A snapshot is read-only already: it goes as it is.
        if (!parseVolumeName(vol->name).snapshot.empty()) return sendSubvolume(path, parentPath, fd);
        // Nested subvolumes would arrive as empty directories: the host copies the files instead.
        if (hasNestedSubvolumes(path))
            throw Failure(LXDP_E_NOTSUP, "volume \"" + std::string(vol->name) +
                                             "\" holds nested subvolumes, which a btrfs send stream leaves out");
        // Only a read-only subvolume can be sent: a read-only snapshot of the volume's state now.
        ScratchDir scratch(p, vol->type, "send");
        const std::string frozen = scratch.path() + "/" + baseName(path);
        snapshotSubvolume(path, frozen, true);
        sendSubvolume(frozen, parentPath, fd);
    });
}

lxdp_status volume_receive(void* pool, const lxdp_volume* vol, int32_t fd, lxdp_op* op, lxdp_error* err) {
    return guard(err, [&] {
        Pool& p = poolOf(pool);
        const std::string target = pathOf(p, *vol);
        requireAbsent(target, *vol);
        const bool snapshot = !parseVolumeName(vol->name).snapshot.empty();
        const std::string snapshotsDir = lxdp_dir::snapshotsPath(p.mountPath, *vol);
        bool madeSnapshotsDir = false;
        if (snapshot) {
            makeTypeDir(p, vol->type, true);
            madeSnapshotsDir = lxdp_dir::makeDir(snapshotsDir, 0700);
        }
        try {
            ScratchDir scratch(p, vol->type, "receive");
            // -e: the stream ends at its end command, whatever may follow on fd.
            runCommand(p.host, {"btrfs", "receive", "-e", scratch.path()}, op, fd);
            const std::string received = onlyEntry(scratch.path());
            // A received subvolume is read-only, and a read-only subvolume cannot move to another
            // directory (its ".." would change): writable for the move, as upstream does, then
            // read-only again for a snapshot or an image; a volume stays writable.
            makeWritable(received);
            const bool readOnly = snapshot || vol->type == LXDP_VOLUME_IMAGE;
            if (!readOnly) clearReceivedUuid(received);
            if (!snapshot) {
                if (::chmod(received.c_str(), volumeMode(vol->type)) != 0) failErrno("chmod " + received);
                applyConfiguredSize(p, received, *vol);
            }
            renamePath(received, target);
            if (readOnly) orDelete(target, [&] { makeReadOnly(target); });
        } catch (...) {
            if (madeSnapshotsDir) ::rmdir(snapshotsDir.c_str());
            throw;
        }
    });
}

}  // namespace lxdp_btrfs
