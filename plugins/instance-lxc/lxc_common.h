// Shared plumbing of the lxc instance plugin: errors, fds, the driver object and instance views.
#pragma once

#include <lxdp/instance.h>

#include <cstdarg>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <unistd.h>

struct lxc_container;

namespace lxdp_lxc {

// Internal failures travel as exceptions and become an lxdp_error at the ABI boundary.
class Error : public std::runtime_error {
public:
    Error(lxdp_status code, const std::string &msg) : std::runtime_error(msg), code_(code) {}
    lxdp_status code() const { return code_; }

private:
    lxdp_status code_;
};

[[noreturn]] void fail(lxdp_status code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// Maps errno of a failed syscall to a status: ENOENT is NOTFOUND, EEXIST is EXISTS, ...
[[noreturn]] void fail_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd &&o) noexcept : fd_(o.release()) {}
    UniqueFd &operator=(UniqueFd &&o) noexcept {
        reset(o.release());
        return *this;
    }
    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;
    ~UniqueFd() { reset(); }
    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

// Read-only view of the host's lxdp_instance for the duration of one call.
class InstanceView {
public:
    explicit InstanceView(const lxdp_instance *inst);
    std::string_view name() const { return name_; }
    std::string_view project() const { return project_; }
    const std::string &volume_path() const { return volume_path_; }
    std::optional<std::string_view> get(std::string_view key) const;
    bool get_bool(std::string_view key) const;
    bool privileged() const { return get_bool("security.privileged"); }
    const lxdp_instance *raw() const { return inst_; }
    // liblxc's container name: the instance name, prefixed with its project outside "default".
    std::string lxc_name() const;

private:
    const lxdp_instance *inst_;
    std::string_view name_;
    std::string_view project_;
    std::string volume_path_;
};

class DeviceMonitor;
class NotifyServer;

class Driver {
public:
    Driver(const lxdp_host_api *host, std::string lxcpath);
    ~Driver();
    Driver(const Driver &) = delete;
    Driver &operator=(const Driver &) = delete;
    const lxdp_host_api *host() const { return host_; }
    const std::string &lxcpath() const { return lxcpath_; }
    std::string container_dir(const InstanceView &inst) const { return lxcpath_ + "/" + inst.lxc_name(); }
    void log(uint32_t level, const char *fmt, ...) const __attribute__((format(printf, 3, 4)));
    // The driver's one monitor of host devices plugged in and out (lxc_device_monitor.h).
    DeviceMonitor &monitor() const { return *monitor_; }
    // The answering end of intercepted system calls (lxc_notify_server.h).
    NotifyServer &notify_server() const { return *notify_server_; }

private:
    const lxdp_host_api *host_;
    std::string lxcpath_;
    std::unique_ptr<DeviceMonitor> monitor_;
    std::unique_ptr<NotifyServer> notify_server_;
};

// Reads a daemon-wide key from the host; empty when unset.
std::string host_config(const lxdp_host_api *host, const char *key);

// Owns one liblxc handle (lxc_container_put on destruction).
class Container {
public:
    Container(const Driver &drv, const InstanceView &inst);
    ~Container();
    Container(const Container &) = delete;
    Container &operator=(const Container &) = delete;
    lxc_container *operator->() const { return c_; }
    lxc_container *get() const { return c_; }

private:
    lxc_container *c_;
};

bool parse_bool(std::string_view v);

// Replaces path with content through a temporary file renamed over it.
void write_file(const std::string &path, std::string_view content, mode_t mode = 0600);

// One device's keys ("type" included), copied out of the host's lxdp_device.
using DeviceConfig = std::map<std::string, std::string>;
DeviceConfig device_config(const lxdp_device &device);
// A key's value, "" when unset.
std::string config_value(const DeviceConfig &config, const std::string &key);

} // namespace lxdp_lxc
