// Host adapter for instance drivers: the only host code that calls an lxdp_instance_ops table.
// Every failure is a PluginError (an ApiError); a function the driver leaves NULL is NOTSUP.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <lxdp/instance.h>

#include "plugins/NetworkDriver.h"

namespace lxdp::plugins {

using StringMap = std::map<std::string, std::string>;

struct InstanceRef {
    uint32_t type = LXDP_INSTANCE_CONTAINER;  // LXDP_INSTANCE_*
    std::string project = "default";
    std::string name;
    std::string volumePath;  // the mounted instance volume
    StringMap config;        // expanded, volatile keys included
    std::map<std::string, StringMap> devices;  // expanded, each with its "type"
};

// lxdp_instance_state; -1 means unknown.
struct InstanceState {
    uint32_t status = LXDP_STATE_STOPPED;  // LXDP_STATE_*
    int64_t pid = 0;
    int64_t processes = -1;
    int64_t memoryUsage = -1;
    int64_t memoryUsagePeak = -1;
    int64_t cpuUsageNs = -1;
};

// lxdp_file_info; -1 means unset.
struct FileInfo {
    uint32_t type = LXDP_FILE_REGULAR;  // LXDP_FILE_*
    int64_t uid = -1;
    int64_t gid = -1;
    int32_t mode = -1;
    uint32_t writeMode = LXDP_FILE_WRITE_OVERWRITE;  // LXDP_FILE_WRITE_*, on write
    int64_t size = 0;                               // on read
    int64_t mtime = 0;                              // on read
};

struct ExecSpec {
    std::vector<std::string> argv;
    std::vector<std::string> env;  // "K=V", the whole environment
    std::string cwd;               // "": the user's home or "/"
    uint32_t uid = 0;
    uint32_t gid = 0;
    // Host-owned; the driver duplicates them, the caller closes them after exec() returns.
    int stdinFd = -1;
    int stdoutFd = -1;
    int stderrFd = -1;
};

// lxdp_instance_ops.terminal_open's pair: the side the host pumps, the side the command gets.
struct TerminalFds {
    int master = -1;
    int terminal = -1;
};

// A command started by InstanceDriver::exec; the handle is released on destruction.
class ExecProcess {
public:
    ExecProcess(const std::string& driverName, const lxdp_instance_ops& ops, void* handle);
    ExecProcess(const ExecProcess&) = delete;
    ExecProcess& operator=(const ExecProcess&) = delete;
    ~ExecProcess();

    int wait();  // the exit code, 128+N when killed by signal N
    void signal(int signal);

private:
    const std::string& driverName_;
    const lxdp_instance_ops& ops_;
    void* handle_;
};

// One instance component of a loaded plugin: probed, then opened once when the registry accepts
// it, closed when the registry goes.
class InstanceDriver {
public:
    // ops is copied into a zeroed table, so members a plugin built on an older minor lacks read
    // as NULL (not supported).
    InstanceDriver(std::string name, const lxdp_instance_ops& ops, const lxdp_host_api* host);
    InstanceDriver(const InstanceDriver&) = delete;
    InstanceDriver& operator=(const InstanceDriver&) = delete;
    ~InstanceDriver();

    const std::string& name() const { return name_; }
    std::string version() const;
    uint32_t type() const;  // LXDP_INSTANCE_*
    bool usable() const { return usable_; }
    const std::string& probeError() const { return probeError_; }

    void validate(const InstanceRef& ref) const;
    // create and start return the keys to record in the instance config (volatile.*).
    StringMap create(const InstanceRef& ref, lxdp_op* op) const;
    StringMap start(const InstanceRef& ref, lxdp_op* op) const;
    void stop(const InstanceRef& ref, bool force, int timeoutS, lxdp_op* op) const;
    void freeze(const InstanceRef& ref) const;
    void unfreeze(const InstanceRef& ref) const;
    void remove(const InstanceRef& ref) const;
    void rename(const InstanceRef& ref, const std::string& newName) const;
    InstanceState state(const InstanceRef& ref) const;
    // The interfaces a running instance sees; empty when it is stopped.
    std::vector<NetInterface> interfaces(const InstanceRef& ref) const;
    // Applies a config change to a running instance (ABI 1.1); false when the driver cannot
    // (built on 1.0, or without the call): the change then applies at the next start.
    bool update(const InstanceRef& before, const InstanceRef& after) const;
    // Hot-plug (ABI 1.2) of one device of ref's devices into or out of the running instance;
    // deviceAdd returns the keys to record. canHotPlug is false for a driver built before 1.2
    // (or without the calls), whose device calls are NOTSUP.
    bool canHotPlug() const { return ops_.device_add != nullptr && ops_.device_remove != nullptr; }
    StringMap deviceAdd(const InstanceRef& ref, const std::string& device) const;
    void deviceRemove(const InstanceRef& ref, const std::string& device) const;
    // Changes device in place (ABI 1.5): false when the driver cannot (LXDP_E_NOTSUP, or a
    // driver built before 1.5), and the caller removes and adds it instead.
    bool deviceUpdate(const InstanceRef& before, const InstanceRef& after, const std::string& device) const;

    std::unique_ptr<ExecProcess> exec(const InstanceRef& ref, const ExecSpec& spec) const;
    // A terminal pair opened by the driver inside the running instance (ABI 1.4), for an
    // interactive command; both fds are the caller's to close. nullopt when the driver has no
    // terminal_open (built before 1.4, or without the call) or answers NOTSUP for this instance:
    // the caller then opens one of its own.
    std::optional<TerminalFds> openTerminal(const InstanceRef& ref) const;
    // The backend's optional features as the driver finds them (ABI 1.6), name -> "true" or
    // "false"; empty for a driver built before 1.6 or without the call.
    StringMap features() const;
    // A new fd on the running instance's console (its output to read, its input to write); the
    // caller closes it.
    int console(const InstanceRef& ref) const;

    // content receives a file's bytes or a symlink's target (return false to stop); names, when
    // not null, a directory's entries.
    FileInfo fileGet(const InstanceRef& ref, const std::string& path,
                     const std::function<bool(const char*, size_t)>& content,
                     std::vector<std::string>* names) const;
    // source fills up to len bytes and returns how many, 0 at the end; unused for a directory.
    void filePut(const InstanceRef& ref, const std::string& path, const FileInfo& info,
                 const std::function<int64_t(char*, size_t)>& source) const;
    void fileDelete(const InstanceRef& ref, const std::string& path) const;

private:
    std::string name_;
    lxdp_instance_ops ops_;
    void* driver_ = nullptr;
    bool usable_ = false;
    std::string probeError_;
};

}  // namespace lxdp::plugins
