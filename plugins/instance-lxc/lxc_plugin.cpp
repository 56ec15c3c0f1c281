// Entry point and ABI trampolines: the only place where C meets C++, so the only place where
// exceptions are caught and turned into lxdp_error.
#include "firewall.h"
#include "lxc_common.h"
#include "lxc_config.h"
#include "lxc_console.h"
#include "lxc_device_monitor.h"
#include "lxc_disk_limits.h"
#include "lxc_driver.h"
#include "lxc_exec.h"
#include "lxc_features.h"
#include "lxc_files.h"
#include "lxc_hotplug.h"
#include "lxc_limits.h"
#include "lxc_nic.h"
#include "lxc_notify_mount.h"
#include "lxc_notify_server.h"
#include "lxc_terminal.h"

#include <lxc/lxccontainer.h>

#include <sys/stat.h>

#include <cerrno>
#include <new>

using namespace lxdp_lxc;

namespace {

template <class F>
lxdp_status guard(lxdp_error *err, F &&f) noexcept {
    try {
        f();
        return LXDP_OK;
    } catch (const Error &e) {
        return lxdp_error_set(err, e.code(), "%s", e.what());
    } catch (const std::bad_alloc &) {
        return lxdp_error_set(err, LXDP_E_INTERNAL, "Out of memory");
    } catch (const std::exception &e) {
        return lxdp_error_set(err, LXDP_E_INTERNAL, "%s", e.what());
    } catch (...) {
        return lxdp_error_set(err, LXDP_E_INTERNAL, "Unknown internal error");
    }
}

const Driver &drv_of(void *driver) {
    if (driver == nullptr)
        fail(LXDP_E_INVAL, "The lxc driver is not open");
    return *static_cast<const Driver *>(driver);
}

ExecHandle &exec_of(void *handle) {
    if (handle == nullptr)
        fail(LXDP_E_INVAL, "Missing exec handle");
    return *static_cast<ExecHandle *>(handle);
}

const lxdp_instance_info *op_info() {
    static const lxdp_instance_info info = {
        .struct_size = sizeof(lxdp_instance_info),
        .type = LXDP_INSTANCE_CONTAINER,
        .version = lxc_get_version(),
    };
    return &info;
}

lxdp_status op_probe(const lxdp_host_api *host, lxdp_error *err) {
    return guard(err, [&] {
        struct stat st;
        if (stat("/proc/self/ns/user", &st) != 0)
            fail(LXDP_E_NOTSUP, "The kernel has no user namespaces: unprivileged containers cannot run");
        if (host_config(host, LXDP_HOST_KEY_LOG_DIR).empty())
            fail(LXDP_E_INVAL, "The host does not provide %s", LXDP_HOST_KEY_LOG_DIR);
    });
}

lxdp_status op_open(const lxdp_host_api *host, void **driver, lxdp_error *err) {
    return guard(err, [&] {
        std::string lxcpath = host_config(host, LXDP_HOST_KEY_LOG_DIR);
        if (lxcpath.empty())
            fail(LXDP_E_INVAL, "The host does not provide %s", LXDP_HOST_KEY_LOG_DIR);
        if (mkdir(lxcpath.c_str(), 0711) != 0 && errno != EEXIST)
            fail_errno(errno, "Failed to create %s", lxcpath.c_str());
        // liblxc makes the container's root (an unprivileged host uid) search lxcpath; search
        // only, as upstream's 0711 containers directory: the per-container dirs stay 0700.
        struct stat st;
        if (stat(lxcpath.c_str(), &st) != 0)
            fail_errno(errno, "Failed to stat %s", lxcpath.c_str());
        if ((st.st_mode & S_IXOTH) == 0 && chmod(lxcpath.c_str(), (st.st_mode & 07777) | S_IXOTH) != 0)
            fail_errno(errno, "Failed to make %s searchable for containers", lxcpath.c_str());
        auto drv = std::make_unique<Driver>(host, std::move(lxcpath));
        // Running containers of an earlier daemon may intercept: their monitors connect again;
        // and may follow devices: the device monitor follows them again.
        drv->notify_server().resume();
        drv->monitor().resume();
        *driver = drv.release();
    });
}

void op_close(void *driver) { delete static_cast<Driver *>(driver); }

lxdp_status op_validate(void *driver, const lxdp_instance *inst, lxdp_error *err) {
    return guard(err, [&] { validate_config(InstanceView(inst)); });
}

lxdp_status op_create(void *driver, const lxdp_instance *inst, const lxdp_kv_sink *volatile_out, lxdp_op *op,
                      lxdp_error *err) {
    return guard(err, [&] { instance_create(drv_of(driver), InstanceView(inst), volatile_out, op); });
}

lxdp_status op_start(void *driver, const lxdp_instance *inst, const lxdp_kv_sink *volatile_out, lxdp_op *op,
                     lxdp_error *err) {
    return guard(err, [&] { instance_start(drv_of(driver), InstanceView(inst), volatile_out, op); });
}

lxdp_status op_stop(void *driver, const lxdp_instance *inst, uint32_t force, int32_t timeout_s, lxdp_op *op,
                    lxdp_error *err) {
    return guard(err, [&] { instance_stop(drv_of(driver), InstanceView(inst), force != 0, timeout_s); });
}

lxdp_status op_freeze(void *driver, const lxdp_instance *inst, lxdp_error *err) {
    return guard(err, [&] { instance_freeze(drv_of(driver), InstanceView(inst), true); });
}

lxdp_status op_unfreeze(void *driver, const lxdp_instance *inst, lxdp_error *err) {
    return guard(err, [&] { instance_freeze(drv_of(driver), InstanceView(inst), false); });
}

lxdp_status op_remove(void *driver, const lxdp_instance *inst, lxdp_error *err) {
    return guard(err, [&] { instance_remove(drv_of(driver), InstanceView(inst)); });
}

lxdp_status op_rename(void *driver, const lxdp_instance *inst, const char *new_name, lxdp_error *err) {
    return guard(err, [&] { instance_rename(drv_of(driver), InstanceView(inst), new_name); });
}

lxdp_status op_state(void *driver, const lxdp_instance *inst, lxdp_instance_state *state, lxdp_error *err) {
    return guard(err, [&] {
        if (state == nullptr)
            fail(LXDP_E_INVAL, "Missing state output");
        instance_state(drv_of(driver), InstanceView(inst), state);
    });
}

lxdp_status op_exec(void *driver, const lxdp_instance *inst, const lxdp_exec_request *req, void **handle,
                    lxdp_error *err) {
    return guard(err, [&] { *handle = exec_start(drv_of(driver), InstanceView(inst), req); });
}

lxdp_status op_exec_wait(void *handle, int32_t *exit_code, lxdp_error *err) {
    return guard(err, [&] { *exit_code = exec_of(handle).wait(); });
}

lxdp_status op_exec_signal(void *handle, int32_t signal, lxdp_error *err) {
    return guard(err, [&] { exec_of(handle).signal(signal); });
}

void op_exec_release(void *handle) { delete static_cast<ExecHandle *>(handle); }

lxdp_status op_file_get(void *driver, const lxdp_instance *inst, const char *path, lxdp_file_info *info,
                        const lxdp_byte_sink *content, const lxdp_name_sink *names, lxdp_error *err) {
    return guard(err, [&] { file_get(InstanceView(inst), path, info, content, names); });
}

lxdp_status op_file_put(void *driver, const lxdp_instance *inst, const char *path, const lxdp_file_info *info,
                        const lxdp_byte_source *content, lxdp_error *err) {
    return guard(err, [&] { file_put(InstanceView(inst), path, info, content); });
}

lxdp_status op_file_delete(void *driver, const lxdp_instance *inst, const char *path, lxdp_error *err) {
    return guard(err, [&] { file_delete(InstanceView(inst), path); });
}

lxdp_status op_console(void *driver, const lxdp_instance *inst, int32_t *fd, lxdp_error *err) {
    return guard(err, [&] {
        if (fd == nullptr)
            fail(LXDP_E_INVAL, "Missing console fd");
        *fd = console_attach(drv_of(driver), InstanceView(inst));
    });
}

lxdp_status op_interfaces(void *driver, const lxdp_instance *inst, const lxdp_net_interface_sink *out,
                          lxdp_error *err) {
    return guard(err, [&] { instance_interfaces(drv_of(driver), InstanceView(inst), out); });
}

lxdp_status op_update(void *driver, const lxdp_instance *before, const lxdp_instance *after, lxdp_error *err) {
    // Only the resource limits, the disks' I/O throttles and the intercepted mounts' keys change
    // live (devices through device_add/device_remove); other keys apply at the next start.
    return guard(err, [&] {
        update_limits(drv_of(driver), InstanceView(before), InstanceView(after));
        update_disk_io_limits(drv_of(driver), InstanceView(before), InstanceView(after));
        update_mount_policy(drv_of(driver), InstanceView(before), InstanceView(after));
    });
}

lxdp_status op_device_add(void *driver, const lxdp_instance *inst, const lxdp_device *device,
                          const lxdp_kv_sink *volatile_out, lxdp_error *err) {
    return guard(err, [&] {
        if (device == nullptr)
            fail(LXDP_E_INVAL, "Missing device");
        device_add(drv_of(driver), InstanceView(inst), *device, volatile_out);
    });
}

lxdp_status op_device_remove(void *driver, const lxdp_instance *inst, const lxdp_device *device, lxdp_error *err) {
    return guard(err, [&] {
        if (device == nullptr)
            fail(LXDP_E_INVAL, "Missing device");
        device_remove(drv_of(driver), InstanceView(inst), *device);
    });
}

lxdp_status op_terminal_open(void *driver, const lxdp_instance *inst, int32_t *master, int32_t *terminal,
                             lxdp_error *err) {
    return guard(err, [&] {
        if (master == nullptr || terminal == nullptr)
            fail(LXDP_E_INVAL, "Missing terminal fds");
        TerminalPair pair = terminal_open(drv_of(driver), InstanceView(inst));
        *master = pair.master.release();
        *terminal = pair.terminal.release();
    });
}

lxdp_status op_device_update(void *driver, const lxdp_instance *before, const lxdp_instance *after,
                             const lxdp_device *device, lxdp_error *err) {
    return guard(err, [&] {
        if (device == nullptr)
            fail(LXDP_E_INVAL, "Missing device");
        device_update(drv_of(driver), InstanceView(before), InstanceView(after), *device);
    });
}

lxdp_status op_features(void *driver, const lxdp_kv_sink *out, lxdp_error *err) {
    return guard(err, [&] {
        if (out == nullptr)
            fail(LXDP_E_INVAL, "Missing features output");
        report_features(*out);
    });
}

const lxdp_instance_ops kOps = {
    .struct_size = sizeof(lxdp_instance_ops),
    .info = op_info,
    .probe = op_probe,
    .open = op_open,
    .close = op_close,
    .validate = op_validate,
    .create = op_create,
    .start = op_start,
    .stop = op_stop,
    .freeze = op_freeze,
    .unfreeze = op_unfreeze,
    .remove = op_remove,
    .rename = op_rename,
    .state = op_state,
    .exec = op_exec,
    .exec_wait = op_exec_wait,
    .exec_signal = op_exec_signal,
    .exec_release = op_exec_release,
    .file_get = op_file_get,
    .file_put = op_file_put,
    .file_delete = op_file_delete,
    .console = op_console,
    .interfaces = op_interfaces,
    .update = op_update,
    .device_add = op_device_add,
    .device_remove = op_device_remove,
    .terminal_open = op_terminal_open,
    .device_update = op_device_update,
    .features = op_features,
};

const lxdp_component kComponents[] = {{
    .struct_size = sizeof(lxdp_component),
    .kind = LXDP_COMPONENT_INSTANCE,
    .name = "lxc",
    .ops = &kOps,
}};

const lxdp_plugin_info kInfo = {
    .struct_size = sizeof(lxdp_plugin_info),
    .abi_major = LXDP_ABI_MAJOR,
    .abi_minor = LXDP_ABI_MINOR,
    .min_host_minor = 0,
    .name = "instance-lxc",
    .version = "0.1.0",
    .license = "Apache-2.0",
    .description = "System containers through liblxc",
    .n_components = 1,
    .reserved = 0,
    .components = kComponents,
};

} // namespace

extern "C" LXDP_EXPORT lxdp_status lxdp_plugin_entry_v1(const lxdp_host_api *host, const lxdp_plugin_info **info,
                                                        lxdp_error *err) {
    if (host == nullptr || info == nullptr)
        return lxdp_error_set(err, LXDP_E_INVAL, "instance-lxc: missing host API or info pointer");
    if (host->abi_major != LXDP_ABI_MAJOR)
        return lxdp_error_set(err, LXDP_E_ABI, "instance-lxc needs plugin ABI %d.x, the host offers %u.%u",
                              LXDP_ABI_MAJOR, host->abi_major, host->abi_minor);
    *info = &kInfo;
    lxdp_fw::backend(); // the firewall is chosen at load, as the daemon's own at its start
    return LXDP_OK;
}
