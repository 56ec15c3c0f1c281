#include "plugins/StorageDriver.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include "plugins/AbiCall.h"

namespace lxdp::plugins {
namespace {

// A VolumeRef as the plugin sees it, valid while the VolumeRef lives.
class AbiVolume {
public:
    explicit AbiVolume(const VolumeRef& ref) : config_(ref.config) {
        vol_ = lxdp_volume{sizeof(lxdp_volume), ref.type,           ref.content, 0,
                           ref.project.c_str(), ref.name.c_str(), config_.get()};
    }
    const lxdp_volume* get() const { return &vol_; }

private:
    KvList config_;
    lxdp_volume vol_;
};

// Where volume_list's entries go, and the call that keeps an exception from crossing back.
struct ListContext {
    std::vector<VolumeRef>* found;
    AbiCall* call;
};

// Copies one entry; what the names say is for the host to judge (recovery checks them).
void addListedVolume(void* ctx, const lxdp_volume* vol) {
    auto* c = static_cast<ListContext*>(ctx);
    if (vol == nullptr || vol->name == nullptr) return;
    c->call->guard([&] {
        VolumeRef ref;
        ref.type = vol->type;
        ref.content = vol->content;
        ref.project = vol->project != nullptr && *vol->project != '\0' ? vol->project : "default";
        ref.name = vol->name;
        c->found->push_back(std::move(ref));
    });
}

// What the filler trampoline needs: the host's function and the call that keeps its exception.
struct FillerContext {
    const StoragePool::Filler* fill;
    AbiCall* call;
};

lxdp_status fillTrampoline(void* ctx, const char* mountPath, lxdp_op*, lxdp_error* err) {
    auto* c = static_cast<FillerContext*>(ctx);
    if (c->call->guard([&] { (*c->fill)(mountPath); })) return LXDP_OK;
    // The host rethrows its own exception after the call; this text is for the plugin's logs.
    return lxdp_error_set(err, LXDP_E_IO, "filling the volume at %s failed", mountPath);
}

}  // namespace

StorageDriver::StorageDriver(std::string name, const lxdp_storage_ops& ops, const lxdp_host_api* host)
    : name_(std::move(name)), ops_{}, host_(host) {
    std::memcpy(&ops_, &ops, std::min<size_t>(ops.struct_size, sizeof ops_));
    ops_.struct_size = sizeof ops_;
    if (ops_.probe == nullptr) {
        usable_ = true;
        return;
    }
    AbiCall call(name_, "probe");
    try {
        call.check(ops_.probe(host_, call.err()));
        usable_ = true;
    } catch (const PluginError& e) {
        probeError_ = e.what();
    }
}

std::string StorageDriver::version() const {
    const lxdp_storage_info* info = ops_.info ? ops_.info() : nullptr;
    return info != nullptr && info->version != nullptr ? info->version : "";
}

uint32_t StorageDriver::flags() const {
    const lxdp_storage_info* info = ops_.info ? ops_.info() : nullptr;
    return info != nullptr ? info->flags : 0;
}

void StorageDriver::validatePool(const StringMap& config) const {
    // A driver without pool_validate accepts any key of its own.
    if (ops_.pool_validate == nullptr) return;
    AbiCall call(name_, "pool_validate");
    KvList list(config);
    call.check(ops_.pool_validate(host_, list.get(), call.err()));
}

std::unique_ptr<StoragePool> StorageDriver::openPool(const std::string& name, const StringMap& config) const {
    AbiCall call(name_, "pool_open");
    KvList list(config);
    void* handle = nullptr;
    call.check(call.require(ops_.pool_open)(host_, name.c_str(), list.get(), &handle, call.err()));
    return std::make_unique<StoragePool>(name_, ops_, handle);
}

StoragePool::StoragePool(const std::string& driverName, const lxdp_storage_ops& ops, void* handle)
    : driverName_(driverName), ops_(ops), handle_(handle) {}

StoragePool::~StoragePool() {
    if (ops_.pool_close != nullptr) ops_.pool_close(handle_);
}

StringMap StoragePool::create() {
    AbiCall call(driverName_, "pool_create");
    KvCollector out(call);
    call.check(call.require(ops_.pool_create)(handle_, out.sink(), call.err()));
    return out.take();
}

void StoragePool::remove() {
    AbiCall call(driverName_, "pool_delete");
    call.check(call.require(ops_.pool_delete)(handle_, call.err()));
}

void StoragePool::mount() {
    AbiCall call(driverName_, "pool_mount");
    call.check(call.require(ops_.pool_mount)(handle_, call.err()));
}

void StoragePool::unmount() {
    AbiCall call(driverName_, "pool_unmount");
    call.check(call.require(ops_.pool_unmount)(handle_, call.err()));
}

std::pair<uint64_t, uint64_t> StoragePool::usage() {
    AbiCall call(driverName_, "pool_usage");
    uint64_t used = 0, total = 0;
    call.check(call.require(ops_.pool_usage)(handle_, &used, &total, call.err()));
    return {used, total};
}

void StoragePool::createVolume(const VolumeRef& vol, const Filler* filler, lxdp_op* op) {
    AbiCall call(driverName_, "volume_create");
    AbiVolume v(vol);
    FillerContext ctx{filler, &call};
    lxdp_filler abiFiller{sizeof(lxdp_filler), 0, &fillTrampoline, &ctx};
    call.check(call.require(ops_.volume_create)(handle_, v.get(), filler ? &abiFiller : nullptr, op, call.err()));
}

void StoragePool::copyVolume(const VolumeRef& dst, const VolumeRef& src, lxdp_op* op) {
    AbiCall call(driverName_, "volume_copy");
    AbiVolume d(dst), s(src);
    call.check(call.require(ops_.volume_copy)(handle_, d.get(), s.get(), op, call.err()));
}

void StoragePool::deleteVolume(const VolumeRef& vol, lxdp_op* op) {
    AbiCall call(driverName_, "volume_delete");
    AbiVolume v(vol);
    call.check(call.require(ops_.volume_delete)(handle_, v.get(), op, call.err()));
}

void StoragePool::renameVolume(const VolumeRef& vol, const std::string& newName) {
    AbiCall call(driverName_, "volume_rename");
    AbiVolume v(vol);
    call.check(call.require(ops_.volume_rename)(handle_, v.get(), newName.c_str(), call.err()));
}

void StoragePool::snapshotVolume(const VolumeRef& snap, lxdp_op* op) {
    AbiCall call(driverName_, "volume_snapshot");
    AbiVolume s(snap);
    call.check(call.require(ops_.volume_snapshot)(handle_, s.get(), op, call.err()));
}

void StoragePool::restoreVolume(const VolumeRef& vol, const VolumeRef& snap, lxdp_op* op) {
    AbiCall call(driverName_, "volume_restore");
    AbiVolume v(vol), s(snap);
    call.check(call.require(ops_.volume_restore)(handle_, v.get(), s.get(), op, call.err()));
}

std::string StoragePool::mountVolume(const VolumeRef& vol) {
    AbiCall call(driverName_, "volume_mount");
    AbiVolume v(vol);
    char path[PATH_MAX] = {};
    call.check(call.require(ops_.volume_mount)(handle_, v.get(), path, sizeof path, call.err()));
    // No path fits a full buffer: with snprintf semantics that means it was cut.
    if (::strnlen(path, sizeof path) >= sizeof path - 1)
        throw PluginError(LXDP_E_INTERNAL, driverName_ + ": volume_mount returned an overlong path");
    return path;
}

void StoragePool::unmountVolume(const VolumeRef& vol) {
    AbiCall call(driverName_, "volume_unmount");
    AbiVolume v(vol);
    call.check(call.require(ops_.volume_unmount)(handle_, v.get(), call.err()));
}

uint64_t StoragePool::volumeUsage(const VolumeRef& vol) {
    AbiCall call(driverName_, "volume_usage");
    AbiVolume v(vol);
    uint64_t used = 0;
    call.check(call.require(ops_.volume_usage)(handle_, v.get(), &used, call.err()));
    return used;
}

void StoragePool::setVolumeSize(const VolumeRef& vol, const std::string& size) {
    AbiCall call(driverName_, "volume_set_size");
    AbiVolume v(vol);
    call.check(call.require(ops_.volume_set_size)(handle_, v.get(), size.c_str(), call.err()));
}

std::vector<VolumeRef> StoragePool::listVolumes() {
    AbiCall call(driverName_, "volume_list");
    // ops_ is the driver's table copied into a zeroed one of this host's size: a plugin whose
    // struct_size ends before volume_list (built for 1.0) reads as NULL here, never past its table.
    if (ops_.volume_list == nullptr)
        throw PluginError(LXDP_E_NOTSUP, "Storage driver \"" + driverName_ +
                                             "\" cannot list volumes (its plugin predates ABI 1.1's volume_list)");
    std::vector<VolumeRef> found;
    ListContext ctx{&found, &call};
    lxdp_volume_sink sink{sizeof(lxdp_volume_sink), 0, &addListedVolume, &ctx};
    call.check(ops_.volume_list(handle_, &sink, call.err()));
    return found;
}

bool StoragePool::streamsVolumes() const {
    const lxdp_storage_info* info = ops_.info ? ops_.info() : nullptr;
    return info != nullptr && (info->flags & LXDP_STORAGE_SEND_RECEIVE) != 0 && ops_.volume_send != nullptr &&
           ops_.volume_receive != nullptr;
}

void StoragePool::sendVolume(const VolumeRef& vol, const VolumeRef* parent, int fd, lxdp_op* op) {
    AbiCall call(driverName_, "volume_send");
    AbiVolume v(vol);
    std::unique_ptr<AbiVolume> p = parent != nullptr ? std::make_unique<AbiVolume>(*parent) : nullptr;
    call.check(call.require(ops_.volume_send)(handle_, v.get(), p ? p->get() : nullptr, fd, op, call.err()));
}

void StoragePool::receiveVolume(const VolumeRef& vol, int fd, lxdp_op* op) {
    AbiCall call(driverName_, "volume_receive");
    AbiVolume v(vol);
    call.check(call.require(ops_.volume_receive)(handle_, v.get(), fd, op, call.err()));
}

}  // namespace lxdp::plugins
