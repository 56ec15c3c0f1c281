// Helpers of the btrfs driver: commands through the host, sizes, mounts, subvolumes and qgroups.
//
// Which interface for what, and why:
// - mkfs.btrfs, mount/umount and qgroups go through host->run_command (`mkfs.btrfs`, `mount`,
//   `umount`, `btrfs quota|qgroup`): mount(8) parses generic and btrfs options alike and sets up
//   loop devices with autoclear (the loop device goes away with the last unmount), and qgroup
//   accounting has no stable ioctl to read back; plugins never fork themselves.
// - Subvolume create, snapshot and delete use the btrfs ioctls directly: one syscall per volume,
//   with an errno to report precisely, instead of a process per instance copy. So does send
//   (BTRFS_IOC_SEND: the kernel writes the stream into the caller's fd).
// - Receive goes through the host as `btrfs receive`: it has no ioctl of its own (btrfs-progs
//   replays the stream's commands one by one in user space).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <lxdp/storage.h>

// The pool layout (upstream's directories, volume names and paths) is the same for every
// filesystem driver, so it is shared with the dir driver rather than copied.
#include "dir_block.h"
#include "dir_utils.h"

namespace lxdp_btrfs {

using lxdp_dir::Failure;
using lxdp_dir::failErrno;

// ---- Host services ----

// A daemon-wide value through the host (LXDP_HOST_KEY_*).
std::string hostConfig(const lxdp_host_api* host, const char* key);
// Runs argv through the host and returns its stdout; a non-zero exit is an LXDP_E_IO failure
// naming the command and quoting its stderr.
// inFd above 0 is the command's stdin.
std::string runCommand(const lxdp_host_api* host, const std::vector<std::string>& argv, lxdp_op* op = nullptr,
                       int inFd = 0);

// ---- Sizes ----

using lxdp_dir::parseSize;
// The default size of a loop file: 20% of the free space where it goes, within 5GiB..30GiB,
// as upstream's loop-backed pools.
std::string defaultLoopSize(const std::string& dir);

// ---- Filesystems and mounts ----

bool isMountPoint(const std::string& path);
bool onBtrfs(const std::string& path);
bool isBlockDevice(const std::string& path);
bool isRegularFile(const std::string& path);
bool isDirectory(const std::string& path);

// ---- Subvolumes (ioctls) ----

void createSubvolume(const std::string& path);
// dst (which must not exist) becomes a snapshot of the subvolume src, read-only or writable.
void snapshotSubvolume(const std::string& src, const std::string& dst, bool readOnly);
// Makes the subvolume at path read-only (what it holds can then only be snapshotted).
void makeReadOnly(const std::string& path);
// Deletes the subvolume at path and every subvolume nested in it; nothing when missing.
void deleteSubvolume(const std::string& path);
// Deletes every subvolume below the directory dir, which stays.
void deleteSubvolumesIn(const std::string& dir);
// Whether the subvolume at path holds other subvolumes (which a send stream leaves out).
bool hasNestedSubvolumes(const std::string& path);
// Writes the read-only subvolume at path to fd as a send stream; with parent not empty (a
// read-only subvolume the receiver has too) only the difference from it.
void sendSubvolume(const std::string& path, const std::string& parent, int fd);
// Clears the read-only flag of the subvolume at path (its received UUID stays).
void makeWritable(const std::string& path);
// Forgets what the writable subvolume at path was received from, as `btrfs property set -f ro
// false` does: once it can change, it no longer matches what was sent, and an incremental receive
// that took it for the parent would build on the wrong data.
void clearReceivedUuid(const std::string& path);

// ---- Quotas (qgroups) ----

struct Qgroup {
    uint64_t referenced = 0;
    std::optional<uint64_t> limit;  // max referenced, when limited
};
void enableQuotas(const lxdp_host_api* host, const std::string& mountPath);
// The qgroup of the subvolume at path after a sync; nothing when quotas are off.
std::optional<Qgroup> qgroupOf(const lxdp_host_api* host, const std::string& path);
// Limits the referenced bytes of the subvolume at path; 0 removes the limit.
void limitQgroup(const lxdp_host_api* host, const std::string& path, uint64_t bytes);

}  // namespace lxdp_btrfs
