// Optimized instance backups, laid out as upstream LXD 5.0's for btrfs: the volume and each
// snapshot as the storage driver's own stream (volume_send, ABI 1.3) in place of file trees,
// backup/snapshots/<name>.bin oldest first (each the difference from the one before),
// backup/container.bin last (the difference from the newest snapshot), and
// backup/optimized_header.yaml listing the subvolumes with their read-only flags. Import receives
// them into a pool of the same driver (volume_receive).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/StorageDriver.h"

namespace lxdp::images { class ArchiveWriter; }
namespace lxdp::ops { class Operation; }

namespace lxdp::services {

// A directory of stream files under $LXD_DIR/backups, removed with what it holds.
class StreamFiles {
public:
    explicit StreamFiles(const std::string& backupsDir);
    StreamFiles(const StreamFiles&) = delete;
    StreamFiles& operator=(const StreamFiles&) = delete;
    ~StreamFiles();
    // The path for the stream of member (its name inside the directory).
    std::string path(const std::string& member) const;

private:
    std::string dir_;
};

// Sends volume's snapshots (oldest first) and volume into files of files, named by their
// tarball members. False when the driver cannot stream the volume (nested btrfs subvolumes): the
// backup is then made of file trees, as upstream's is for drivers without streams.
bool sendOptimizedStreams(plugins::StoragePool& pool, const plugins::VolumeRef& volume,
                          const std::vector<std::string>& snapshots, const StreamFiles& files, ops::Operation& op);
// Writes backup/optimized_header.yaml and the streams sendOptimizedStreams made.
void addOptimizedMembers(images::ArchiveWriter& writer, const std::vector<std::string>& snapshots,
                         const StreamFiles& files);

// Refuses (400, naming why) an optimized backup that cannot go into pool: one of another driver
// (its data is that driver's stream), a driver without streams, or a header listing subvolumes
// nested in the volume (which this daemon does not restore). The index's backend names the driver.
void checkOptimizedImport(const nlohmann::json& index, const std::string& tarballPath, const std::string& poolName,
                          const plugins::StoragePool& pool);
// Receives the snapshots (oldest first, as snapshots of volume) and then volume from the
// tarball's streams. On failure nothing of them is left.
void receiveOptimizedStreams(const std::string& tarballPath, plugins::StoragePool& pool,
                             const plugins::VolumeRef& volume, const std::vector<std::string>& snapshots,
                             const std::string& backupsDir, ops::Operation& op);

}  // namespace lxdp::services
