// Host adapters for storage drivers: the only host code that calls an lxdp_storage_ops table.
// Every failure is a PluginError (an ApiError); a function the driver leaves NULL is NOTSUP.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <lxdp/storage.h>

namespace lxdp::plugins {

using StringMap = std::map<std::string, std::string>;

struct VolumeRef {
    uint32_t type = LXDP_VOLUME_CONTAINER;  // LXDP_VOLUME_*
    uint32_t content = LXDP_CONTENT_FILESYSTEM;
    std::string project = "default";
    std::string name;  // "c1", a snapshot "c1/snap0", an image its fingerprint
    StringMap config;
};

class StoragePool;

// One storage component of a loaded plugin. Probed once when the registry accepts it.
class StorageDriver {
public:
    // ops is copied into a zeroed table, so members a plugin built on an older minor lacks read
    // as NULL (not supported).
    StorageDriver(std::string name, const lxdp_storage_ops& ops, const lxdp_host_api* host);
    StorageDriver(const StorageDriver&) = delete;
    StorageDriver& operator=(const StorageDriver&) = delete;

    const std::string& name() const { return name_; }
    std::string version() const;
    uint32_t flags() const;  // LXDP_STORAGE_*
    bool usable() const { return usable_; }
    const std::string& probeError() const { return probeError_; }

    // Checks the driver's own keys of a pool config.
    void validatePool(const StringMap& config) const;
    // Opens the pool object; the StoragePool must not outlive this driver.
    std::unique_ptr<StoragePool> openPool(const std::string& name, const StringMap& config) const;

private:
    std::string name_;
    lxdp_storage_ops ops_;
    const lxdp_host_api* host_;
    bool usable_ = false;
    std::string probeError_;
};

// An open pool (RAII: pool_close on destruction). Calls on one volume must not overlap
// (the ABI's threading rule); calls on different volumes may.
class StoragePool {
public:
    using Filler = std::function<void(const std::string& mountPath)>;

    StoragePool(const std::string& driverName, const lxdp_storage_ops& ops, void* handle);
    StoragePool(const StoragePool&) = delete;
    StoragePool& operator=(const StoragePool&) = delete;
    ~StoragePool();

    // Creates the backend; returns the config keys the driver filled in (e.g. "source").
    StringMap create();
    void remove();
    void mount();
    void unmount();
    std::pair<uint64_t, uint64_t> usage();  // used, total bytes

    // filler (nullable) runs on the mounted new volume; an exception it throws is rethrown
    // here unchanged once the driver has cleaned up.
    void createVolume(const VolumeRef& vol, const Filler* filler, lxdp_op* op);
    void copyVolume(const VolumeRef& dst, const VolumeRef& src, lxdp_op* op);
    void deleteVolume(const VolumeRef& vol, lxdp_op* op);
    void renameVolume(const VolumeRef& vol, const std::string& newName);
    void snapshotVolume(const VolumeRef& snap, lxdp_op* op);  // snap.name is "parent/snapname"
    void restoreVolume(const VolumeRef& vol, const VolumeRef& snap, lxdp_op* op);
    std::string mountVolume(const VolumeRef& vol);  // the mount path
    void unmountVolume(const VolumeRef& vol);
    uint64_t volumeUsage(const VolumeRef& vol);
    void setVolumeSize(const VolumeRef& vol, const std::string& size);  // "" or "0": no quota
    // Every volume on the mounted pool, snapshots after their volume (volume_list, ABI 1.1): a
    // driver from a 1.0 plugin cannot list, which is a NOTSUP PluginError saying so.
    std::vector<VolumeRef> listVolumes();

    const std::string& driverName() const { return driverName_; }
    // Whether the driver moves volumes as its own streams (LXDP_STORAGE_SEND_RECEIVE, ABI 1.3).
    bool streamsVolumes() const;
    // vol (parent: nullptr, or an older snapshot already sent where fd leads) written to fd; the
    // driver's NOTSUP means it wrote nothing and the files are to be copied instead.
    void sendVolume(const VolumeRef& vol, const VolumeRef* parent, int fd, lxdp_op* op);
    // vol created from the stream read from fd (volume_receive).
    void receiveVolume(const VolumeRef& vol, int fd, lxdp_op* op);

private:
    const std::string& driverName_;
    const lxdp_storage_ops& ops_;
    void* handle_;
};

}  // namespace lxdp::plugins
