#include "plugins/InstanceDriver.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <list>

#include "plugins/AbiCall.h"

namespace lxdp::plugins {
namespace {

// An InstanceRef as the plugin sees it, valid while the InstanceRef lives.
class AbiInstance {
public:
    explicit AbiInstance(const InstanceRef& ref) : config_(ref.config) {
        for (const auto& [name, config] : ref.devices) {
            const auto& list = deviceConfigs_.emplace_back(config);
            devices_.push_back(lxdp_device{sizeof(lxdp_device), 0, name.c_str(), list.get()});
        }
        devicesList_ = lxdp_device_list{sizeof(lxdp_device_list), static_cast<uint32_t>(devices_.size()),
                                         devices_.data()};
        inst_ = lxdp_instance{sizeof(lxdp_instance), ref.type,   ref.project.c_str(), ref.name.c_str(),
                              ref.volumePath.c_str(),  config_.get(), &devicesList_};
    }
    const lxdp_instance* get() const { return &inst_; }
    // One of the instance's devices, by name.
    const lxdp_device* device(const std::string& name, const std::string& driver) const {
        for (const auto& d : devices_)
            if (name == d.name) return &d;
        throw PluginError(LXDP_E_NOTFOUND, driver + ": the instance has no device \"" + name + "\"");
    }

private:
    KvList config_;
    std::list<KvList> deviceConfigs_;  // a list: KvLists do not move
    std::vector<lxdp_device> devices_;
    lxdp_device_list devicesList_;
    lxdp_instance inst_;
};

const char* const kNoHotPlug = "hot-plug not supported by this driver";

// A host callback handed to the plugin with the call that keeps its exception.
template <class Fn>
struct Callback {
    Fn* fn;
    AbiCall* call;
};

using ContentFn = const std::function<bool(const char*, size_t)>;
using SourceFn = const std::function<int64_t(char*, size_t)>;

int32_t writeContent(void* ctx, const void* data, size_t len) {
    auto* c = static_cast<Callback<ContentFn>*>(ctx);
    bool more = false;
    c->call->guard([&] { more = (*c->fn)(static_cast<const char*>(data), len); });
    return more ? 0 : 1;
}

void addName(void* ctx, const char* name) {
    auto* c = static_cast<Callback<std::vector<std::string>>*>(ctx);
    if (c->fn != nullptr && name != nullptr) c->call->guard([&] { c->fn->push_back(name); });
}

int64_t readSource(void* ctx, void* buf, size_t len) {
    auto* c = static_cast<Callback<SourceFn>*>(ctx);
    int64_t n = -1;
    c->call->guard([&] { n = (*c->fn)(static_cast<char*>(buf), len); });
    return n;
}

void addInterface(void* ctx, const lxdp_net_interface* iface) {
    auto* c = static_cast<Callback<std::vector<NetInterface>>*>(ctx);
    if (iface != nullptr) c->call->guard([&] { c->fn->push_back(copyInterface(*iface)); });
}

}  // namespace

ExecProcess::ExecProcess(const std::string& driverName, const lxdp_instance_ops& ops, void* handle)
    : driverName_(driverName), ops_(ops), handle_(handle) {}

ExecProcess::~ExecProcess() {
    if (ops_.exec_release != nullptr) ops_.exec_release(handle_);
}

int ExecProcess::wait() {
    AbiCall call(driverName_, "exec_wait");
    int32_t code = -1;
    call.check(call.require(ops_.exec_wait)(handle_, &code, call.err()));
    return code;
}

void ExecProcess::signal(int signal) {
    AbiCall call(driverName_, "exec_signal");
    call.check(call.require(ops_.exec_signal)(handle_, signal, call.err()));
}

InstanceDriver::InstanceDriver(std::string name, const lxdp_instance_ops& ops, const lxdp_host_api* host)
    : name_(std::move(name)), ops_{} {
    std::memcpy(&ops_, &ops, std::min<size_t>(ops.struct_size, sizeof ops_));
    ops_.struct_size = sizeof ops_;
    try {
        if (ops_.probe != nullptr) {
            AbiCall call(name_, "probe");
            call.check(ops_.probe(host, call.err()));
        }
        AbiCall call(name_, "open");
        call.check(call.require(ops_.open)(host, &driver_, call.err()));
        usable_ = true;
    } catch (const PluginError& e) {
        probeError_ = e.what();
    }
}

InstanceDriver::~InstanceDriver() {
    if (usable_ && ops_.close != nullptr) ops_.close(driver_);
}

std::string InstanceDriver::version() const {
    const lxdp_instance_info* info = ops_.info ? ops_.info() : nullptr;
    return info != nullptr && info->version != nullptr ? info->version : "";
}

uint32_t InstanceDriver::type() const {
    const lxdp_instance_info* info = ops_.info ? ops_.info() : nullptr;
    return info != nullptr ? info->type : LXDP_INSTANCE_CONTAINER;
}

void InstanceDriver::validate(const InstanceRef& ref) const {
    if (ops_.validate == nullptr) return;  // a driver without rules of its own accepts what the host accepted
    AbiCall call(name_, "validate");
    AbiInstance inst(ref);
    call.check(call.require(ops_.validate)(driver_, inst.get(), call.err()));
}

StringMap InstanceDriver::create(const InstanceRef& ref, lxdp_op* op) const {
    AbiCall call(name_, "create");
    AbiInstance inst(ref);
    KvCollector out(call);
    call.check(call.require(ops_.create)(driver_, inst.get(), out.sink(), op, call.err()));
    return out.take();
}

StringMap InstanceDriver::start(const InstanceRef& ref, lxdp_op* op) const {
    AbiCall call(name_, "start");
    AbiInstance inst(ref);
    KvCollector out(call);
    call.check(call.require(ops_.start)(driver_, inst.get(), out.sink(), op, call.err()));
    return out.take();
}

void InstanceDriver::stop(const InstanceRef& ref, bool force, int timeoutS, lxdp_op* op) const {
    AbiCall call(name_, "stop");
    AbiInstance inst(ref);
    call.check(call.require(ops_.stop)(driver_, inst.get(), force ? 1u : 0u, timeoutS, op, call.err()));
}

void InstanceDriver::freeze(const InstanceRef& ref) const {
    AbiCall call(name_, "freeze");
    AbiInstance inst(ref);
    call.check(call.require(ops_.freeze)(driver_, inst.get(), call.err()));
}

void InstanceDriver::unfreeze(const InstanceRef& ref) const {
    AbiCall call(name_, "unfreeze");
    AbiInstance inst(ref);
    call.check(call.require(ops_.unfreeze)(driver_, inst.get(), call.err()));
}

void InstanceDriver::remove(const InstanceRef& ref) const {
    AbiCall call(name_, "remove");
    AbiInstance inst(ref);
    call.check(call.require(ops_.remove)(driver_, inst.get(), call.err()));
}

void InstanceDriver::rename(const InstanceRef& ref, const std::string& newName) const {
    AbiCall call(name_, "rename");
    AbiInstance inst(ref);
    call.check(call.require(ops_.rename)(driver_, inst.get(), newName.c_str(), call.err()));
}

InstanceState InstanceDriver::state(const InstanceRef& ref) const {
    AbiCall call(name_, "state");
    AbiInstance inst(ref);
    lxdp_instance_state st{sizeof(lxdp_instance_state), LXDP_STATE_STOPPED, 0, -1, -1, -1, -1};
    call.check(call.require(ops_.state)(driver_, inst.get(), &st, call.err()));
    return InstanceState{st.status, st.pid, st.processes, st.memory_usage, st.memory_usage_peak, st.cpu_usage_ns};
}

std::vector<NetInterface> InstanceDriver::interfaces(const InstanceRef& ref) const {
    AbiCall call(name_, "interfaces");
    AbiInstance inst(ref);
    std::vector<NetInterface> out;
    Callback<std::vector<NetInterface>> ctx{&out, &call};
    lxdp_net_interface_sink sink{sizeof sink, 0, &addInterface, &ctx};
    call.check(call.require(ops_.interfaces)(driver_, inst.get(), &sink, call.err()));
    return out;
}

bool InstanceDriver::update(const InstanceRef& before, const InstanceRef& after) const {
    // A table from a 1.0 plugin was copied into a zeroed one, so the appended member reads NULL.
    if (ops_.update == nullptr) return false;
    AbiCall call(name_, "update");
    AbiInstance old(before), now(after);
    call.check(ops_.update(driver_, old.get(), now.get(), call.err()));
    return true;
}

StringMap InstanceDriver::deviceAdd(const InstanceRef& ref, const std::string& device) const {
    // A table from a plugin built before 1.2 was copied into a zeroed one: the member reads NULL.
    if (ops_.device_add == nullptr) throw PluginError(LXDP_E_NOTSUP, name_ + ": " + kNoHotPlug);
    AbiCall call(name_, "device_add");
    AbiInstance inst(ref);
    KvCollector out(call);
    call.check(ops_.device_add(driver_, inst.get(), inst.device(device, name_), out.sink(), call.err()));
    return out.take();
}

void InstanceDriver::deviceRemove(const InstanceRef& ref, const std::string& device) const {
    if (ops_.device_remove == nullptr) throw PluginError(LXDP_E_NOTSUP, name_ + ": " + kNoHotPlug);
    AbiCall call(name_, "device_remove");
    AbiInstance inst(ref);
    call.check(ops_.device_remove(driver_, inst.get(), inst.device(device, name_), call.err()));
}

bool InstanceDriver::deviceUpdate(const InstanceRef& before, const InstanceRef& after, const std::string& device) const {
    // A table from a plugin built before 1.5 was copied into a zeroed one: the member reads NULL.
    if (ops_.device_update == nullptr) return false;
    AbiCall call(name_, "device_update");
    AbiInstance was(before), now(after);
    const lxdp_status rc = ops_.device_update(driver_, was.get(), now.get(), now.device(device, name_), call.err());
    if (rc == LXDP_E_NOTSUP) return false;
    call.check(rc);
    return true;
}

std::unique_ptr<ExecProcess> InstanceDriver::exec(const InstanceRef& ref, const ExecSpec& spec) const {
    AbiCall call(name_, "exec");
    AbiInstance inst(ref);
    auto cStrings = [](const std::vector<std::string>& strings) {
        std::vector<const char*> out;
        for (const auto& s : strings) out.push_back(s.c_str());
        out.push_back(nullptr);
        return out;
    };
    auto argv = cStrings(spec.argv);
    auto envp = cStrings(spec.env);
    lxdp_exec_request req{sizeof(lxdp_exec_request), spec.uid,     spec.gid,      0,
                          argv.data(),               envp.data(),  spec.cwd.c_str(),
                          spec.stdinFd,              spec.stdoutFd, spec.stderrFd, 0};
    void* handle = nullptr;
    call.check(call.require(ops_.exec)(driver_, inst.get(), &req, &handle, call.err()));
    return std::make_unique<ExecProcess>(name_, ops_, handle);
}

std::optional<TerminalFds> InstanceDriver::openTerminal(const InstanceRef& ref) const {
    // A table from a plugin built before 1.4 was copied into a zeroed one: the member reads NULL.
    if (ops_.terminal_open == nullptr) return std::nullopt;
    AbiCall call(name_, "terminal_open");
    AbiInstance inst(ref);
    int32_t master = -1, terminal = -1;
    const lxdp_status status = ops_.terminal_open(driver_, inst.get(), &master, &terminal, call.err());
    if (status == LXDP_E_NOTSUP) return std::nullopt;
    call.check(status);
    if (master < 0 || terminal < 0) {
        if (master >= 0) ::close(master);
        if (terminal >= 0) ::close(terminal);
        throw PluginError(LXDP_E_INTERNAL, name_ + ": terminal_open returned no terminal");
    }
    return TerminalFds{master, terminal};
}

StringMap InstanceDriver::features() const {
    // A table from a plugin built before 1.6 was copied into a zeroed one: the member reads NULL.
    if (ops_.features == nullptr) return {};
    AbiCall call(name_, "features");
    KvCollector out(call);
    call.check(ops_.features(driver_, out.sink(), call.err()));
    return out.take();
}

int InstanceDriver::console(const InstanceRef& ref) const {
    AbiCall call(name_, "console");
    AbiInstance inst(ref);
    int32_t fd = -1;
    call.check(call.require(ops_.console)(driver_, inst.get(), &fd, call.err()));
    return fd;
}

FileInfo InstanceDriver::fileGet(const InstanceRef& ref, const std::string& path, ContentFn& content,
                                 std::vector<std::string>* names) const {
    AbiCall call(name_, "file_get");
    AbiInstance inst(ref);
    Callback<ContentFn> contentCtx{&content, &call};
    Callback<std::vector<std::string>> namesCtx{names, &call};
    lxdp_byte_sink contentSink{sizeof(lxdp_byte_sink), 0, &writeContent, &contentCtx};
    lxdp_name_sink namesSink{sizeof(lxdp_name_sink), 0, &addName, &namesCtx};
    lxdp_file_info info{};
    info.struct_size = sizeof info;
    call.check(call.require(ops_.file_get)(driver_, inst.get(), path.c_str(), &info, &contentSink, &namesSink,
                                           call.err()));
    return FileInfo{info.type, info.uid, info.gid, info.mode, info.write_mode, info.size, info.mtime};
}

void InstanceDriver::filePut(const InstanceRef& ref, const std::string& path, const FileInfo& info,
                             SourceFn& source) const {
    AbiCall call(name_, "file_put");
    AbiInstance inst(ref);
    Callback<SourceFn> sourceCtx{&source, &call};
    lxdp_byte_source content{sizeof(lxdp_byte_source), 0, &readSource, &sourceCtx};
    lxdp_file_info abiInfo{sizeof(lxdp_file_info), info.type, info.uid,  info.gid,
                           info.mode,              info.writeMode, info.size, info.mtime};
    const bool hasContent = info.type != LXDP_FILE_DIRECTORY;
    call.check(call.require(ops_.file_put)(driver_, inst.get(), path.c_str(), &abiInfo,
                                           hasContent ? &content : nullptr, call.err()));
}

void InstanceDriver::fileDelete(const InstanceRef& ref, const std::string& path) const {
    AbiCall call(name_, "file_delete");
    AbiInstance inst(ref);
    call.check(call.require(ops_.file_delete)(driver_, inst.get(), path.c_str(), call.err()));
}

}  // namespace lxdp::plugins
