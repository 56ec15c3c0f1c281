/* SPDX-License-Identifier: Apache-2.0
 *
 * Instance drivers (component kind LXDP_COMPONENT_INSTANCE): containers, virtual machines.
 *
 * The host owns the instance records, the expanded config, the storage volume and the REST side
 * (websockets, secrets, templates); a driver runs the instance on its backend. Every call names
 * the instance through an lxdp_instance the host builds for that call only.
 */
#ifndef LXDP_INSTANCE_H
#define LXDP_INSTANCE_H

#include "abi.h"
#include "network.h" /* lxdp_net_interface */

#ifdef __cplusplus
extern "C" {
#endif

/* Instance status codes: -200..-299. */
#define LXDP_E_INSTANCE_RUNNING (-200)     /* "The instance is already running" */
#define LXDP_E_INSTANCE_NOT_RUNNING (-201) /* "The instance isn't running" */

#define LXDP_INSTANCE_CONTAINER 0u
#define LXDP_INSTANCE_VM 1u

/* Status codes as the REST API shows them. */
#define LXDP_STATE_STOPPED 102u
#define LXDP_STATE_RUNNING 103u
#define LXDP_STATE_FROZEN 110u
#define LXDP_STATE_ERROR 112u

typedef struct lxdp_instance_info {
    uint32_t struct_size;
    uint32_t type;          /* LXDP_INSTANCE_* */
    const char *version;    /* backend version, shown as driver_version */
} lxdp_instance_info;

/* Devices. The host validates every device against the spec's tables and hands the instance's
 * expanded devices to each call (lxdp_instance.devices). Who carries out a device follows from
 * where it lives:
 * - Devices that are part of the instance's own setup are the instance driver's: it reads them
 *   from inst->devices at start (nic of every nictype it supports, disk, unix-char, unix-block)
 *   and sets up their host side (veth limits, routes) itself through run_command. A type or key
 *   it cannot carry out is LXDP_E_NOTSUP at start, before anything runs, naming the device.
 * - Devices served by a process on the host side (proxy, /dev/lxd) are the daemon's: they need
 *   no backend knowledge beyond the instance's init pid, which state() reports.
 * - /dev/lxd: when security.devlxd is not false and the host serves $LXD_DIR/devlxd/sock
 *   (LXDP_HOST_KEY_VAR_DIR), a container driver shows that directory at /dev/lxd.
 * So there is no device component kind: a device plugin would have to reach into the instance
 * driver's backend (its liblxc config, its namespaces), which only that driver owns. Devices
 * added to or removed from a running instance reach it through device_add/device_remove
 * (@since 1.2); a changed device is changed in place where the driver can (device_update,
 * @since 1.5), else removed and added again. */
typedef struct lxdp_device {
    uint32_t struct_size;
    uint32_t reserved;
    const char *name;
    const lxdp_kv_list *config; /* includes "type" */
} lxdp_device;

typedef struct lxdp_device_list {
    uint32_t struct_size;
    uint32_t count;
    const lxdp_device *items;
} lxdp_device_list;

/* One instance, as the host knows it for the duration of one call. */
typedef struct lxdp_instance {
    uint32_t struct_size;
    uint32_t type;                  /* LXDP_INSTANCE_* */
    const char *project;
    const char *name;
    /* The mounted instance volume: holds rootfs/, metadata.yaml, templates/. */
    const char *volume_path;
    const lxdp_kv_list *config;      /* expanded config, volatile keys included */
    /* Expanded devices. A disk device that attaches a custom volume (pool=, source=<volume>)
     * arrives with source set to the volume's mounted host path and, unless the volume is
     * security.shifted, "lxdp.volume_shift"="true": the driver then makes the volume's data
     * usable by the instance's root (shifting it into the instance's id map). */
    const lxdp_device_list *devices;
} lxdp_instance;

typedef struct lxdp_instance_state {
    uint32_t struct_size;
    uint32_t status;            /* LXDP_STATE_* */
    int64_t pid;                /* init pid as the host sees it, 0 when stopped */
    int64_t processes;          /* -1 when unknown */
    int64_t memory_usage;       /* bytes, -1 when unknown */
    int64_t memory_usage_peak;  /* bytes, -1 when unknown */
    int64_t cpu_usage_ns;       /* -1 when unknown */
} lxdp_instance_state;

/* A command to run inside a running instance. */
typedef struct lxdp_exec_request {
    uint32_t struct_size;
    uint32_t uid;
    uint32_t gid;
    uint32_t reserved;
    const char *const *argv;  /* NULL-terminated */
    const char *const *envp;  /* NULL-terminated "K=V"; the whole environment, nothing inherited */
    const char *cwd;          /* NULL or "": the user's home or "/" */
    /* Host-owned fds the command gets as stdin, stdout and stderr (a PTY slave for all three in
     * interactive mode). The driver duplicates what it needs; the host closes them afterwards. */
    int32_t stdin_fd;
    int32_t stdout_fd;
    int32_t stderr_fd;
    int32_t reserved2;
} lxdp_exec_request;

/* What a file path inside the instance is. */
#define LXDP_FILE_REGULAR 0u
#define LXDP_FILE_DIRECTORY 1u
#define LXDP_FILE_SYMLINK 2u

#define LXDP_FILE_WRITE_OVERWRITE 0u
#define LXDP_FILE_WRITE_APPEND 1u

/* Ownership as the instance sees it (ids inside the instance, not host ids). */
typedef struct lxdp_file_info {
    uint32_t struct_size;
    uint32_t type;        /* LXDP_FILE_* */
    int64_t uid;          /* -1: unset (on write: keep or default 0) */
    int64_t gid;          /* -1: unset */
    int32_t mode;         /* permission bits, -1: unset (on write: 0644 files, 0755 dirs) */
    uint32_t write_mode;  /* LXDP_FILE_WRITE_* (on write) */
    int64_t size;         /* on read */
    int64_t mtime;        /* seconds since the epoch, on read */
} lxdp_file_info;

/* Receives directory entry names, one call each. */
typedef struct lxdp_name_sink {
    uint32_t struct_size;
    uint32_t reserved;
    void (*add)(void *ctx, const char *name);
    void *ctx;
} lxdp_name_sink;

typedef struct lxdp_instance_ops {
    uint32_t struct_size;

    /* Discovery. Static, valid until unload. */
    const lxdp_instance_info *(*info)(void);
    lxdp_status (*probe)(const lxdp_host_api *host, lxdp_error *err);

    /* The driver object, opened once; released with close. */
    lxdp_status (*open)(const lxdp_host_api *host, void **driver, lxdp_error *err);
    void (*close)(void *driver);

    /* Checks the driver-specific meaning of an instance's expanded config and devices. */
    lxdp_status (*validate)(void *driver, const lxdp_instance *inst, lxdp_error *err);

    /* Prepares a newly created instance whose volume is filled (e.g. shifts the rootfs into the
     * instance's idmap). Keys to record in the instance config (volatile.*) go to volatile_out. */
    lxdp_status (*create)(void *driver, const lxdp_instance *inst, const lxdp_kv_sink *volatile_out,
                          lxdp_op *op, lxdp_error *err);
    /* Starts the instance and returns once it runs. Keys to record go to volatile_out. */
    lxdp_status (*start)(void *driver, const lxdp_instance *inst, const lxdp_kv_sink *volatile_out,
                         lxdp_op *op, lxdp_error *err);
    /* force != 0: kill at once. Otherwise ask the instance to shut down and wait up to
     * timeout_s seconds (-1: no limit); LXDP_E_BUSY when it did not stop in time. */
    lxdp_status (*stop)(void *driver, const lxdp_instance *inst, uint32_t force, int32_t timeout_s,
                        lxdp_op *op, lxdp_error *err);
    lxdp_status (*freeze)(void *driver, const lxdp_instance *inst, lxdp_error *err);
    lxdp_status (*unfreeze)(void *driver, const lxdp_instance *inst, lxdp_error *err);
    /* Removes what the driver keeps for a stopped instance (its config, logs); not the volume. */
    lxdp_status (*remove)(void *driver, const lxdp_instance *inst, lxdp_error *err);
    /* Renames the driver's records of a stopped instance; inst carries the old name. */
    lxdp_status (*rename)(void *driver, const lxdp_instance *inst, const char *new_name,
                          lxdp_error *err);
    lxdp_status (*state)(void *driver, const lxdp_instance *inst, lxdp_instance_state *state,
                         lxdp_error *err);

    /* Starts a command; *handle receives a plugin-owned handle for exec_wait/_signal/_release. */
    lxdp_status (*exec)(void *driver, const lxdp_instance *inst, const lxdp_exec_request *req,
                        void **handle, lxdp_error *err);
    /* Blocks until the command ends; *exit_code gets its code (128+N when killed by signal N). */
    lxdp_status (*exec_wait)(void *handle, int32_t *exit_code, lxdp_error *err);
    lxdp_status (*exec_signal)(void *handle, int32_t signal, lxdp_error *err);
    void (*exec_release)(void *handle);

    /* Files, with every path resolved inside the instance's root: a symlink never leads out.
     * file_get fills info; a regular file's content goes to content, a directory's entry names
     * to names, a symlink's target to content. LXDP_E_NOTFOUND when the path does not exist. */
    lxdp_status (*file_get)(void *driver, const lxdp_instance *inst, const char *path,
                            lxdp_file_info *info, const lxdp_byte_sink *content,
                            const lxdp_name_sink *names, lxdp_error *err);
    /* Creates or writes path as info->type says; content is the data or the symlink target
     * (NULL for a directory). The parent directory must exist. */
    lxdp_status (*file_put)(void *driver, const lxdp_instance *inst, const char *path,
                            const lxdp_file_info *info, const lxdp_byte_source *content,
                            lxdp_error *err);
    lxdp_status (*file_delete)(void *driver, const lxdp_instance *inst, const char *path,
                               lxdp_error *err);

    /* Attaches to the instance console: *fd receives a new fd (the host closes it) that reads
     * the console output and writes its input. */
    lxdp_status (*console)(void *driver, const lxdp_instance *inst, int32_t *fd, lxdp_error *err);

    /* Reports the network interfaces a running instance sees (lo included), with addresses and
     * counters; host_name is its veth's host side when the driver knows it. Nothing for a
     * stopped instance. @since 1.0 */
    lxdp_status (*interfaces)(void *driver, const lxdp_instance *inst, const lxdp_net_interface_sink *out,
                              lxdp_error *err);

    /* Applies a config change to a running instance: before and after carry the expanded config
     * and devices as they were and as they are now (both already validated and recorded). The
     * driver changes live what its backend can (resource limits, say) and leaves the rest to the
     * next start; LXDP_E_INVAL when the backend refuses a new value, in which case the host
     * restores the old record. Only called while the instance runs. NULL (or a plugin built on
     * 1.0, whose table ends before it): every change applies at the next start. @since 1.1 */
    lxdp_status (*update)(void *driver, const lxdp_instance *before, const lxdp_instance *after,
                          lxdp_error *err);

    /* ---- @since 1.2: hot-plug (the host reads these only when struct_size covers them) ------ */

    /* Adds one device to a running instance. inst is the instance as it is with the device (its
     * expanded config with the volatile keys, and devices, device among them); device is the one
     * to add, as validated by the host (a custom volume disk resolved as in lxdp_instance.devices).
     * Every string belongs to the host and lives for the call only: the driver copies what it
     * keeps. Keys to record (volatile.<device>.*) go to volatile_out, which copies them. A device
     * the driver cannot add live is LXDP_E_NOTSUP naming it; on any failure the driver leaves
     * nothing of the device behind. Only called while the instance runs. NULL (or a table that
     * ends before it): the host refuses device changes on running instances. */
    lxdp_status (*device_add)(void *driver, const lxdp_instance *inst, const lxdp_device *device,
                              const lxdp_kv_sink *volatile_out, lxdp_error *err);
    /* Removes one device from a running instance: inst is the instance as it was with the device
     * (volatile keys included), device the one to remove. What the device added goes: the NIC on
     * both sides, the mount, the node and its cgroup permission. The host drops the device's
     * volatile keys afterwards. Same ownership as device_add. */
    lxdp_status (*device_remove)(void *driver, const lxdp_instance *inst, const lxdp_device *device,
                                 lxdp_error *err);

    /* ---- @since 1.4: terminals (the host reads this only when struct_size covers it) -------- */

    /* Opens a new pseudo-terminal pair for an interactive command of a running instance, where
     * the command will see it as one of its own terminals (a container: in its devpts instance,
     * so that the command's tty is its /dev/pts/N); the terminal side is owned by the instance's
     * root. *master receives the side the host reads and writes, *terminal the side it hands to
     * exec as the command's stdin, stdout and stderr; both are new close-on-exec fds the host
     * closes. NULL (or a table that ends before it): the host opens a pair of its own, which the
     * command sees as a terminal of no name. */
    lxdp_status (*terminal_open)(void *driver, const lxdp_instance *inst, int32_t *master,
                                 int32_t *terminal, lxdp_error *err);

    /* ---- @since 1.5: in-place device changes (read only when struct_size covers it) -------- */

    /* Changes one device of a running instance in place: before and after are the instance as
     * it was and as it is now (volatile keys included), device the changed one as it is now, of
     * the same type as before. LXDP_E_NOTSUP when the change cannot be made in place (a key the
     * backend only sets up when the device comes in): the host then removes the device and adds
     * it again (device_remove, device_add). On any other failure the device is as it was, or
     * more closed than it was where that is safer (a NIC whose new traffic filter did not load
     * passes nothing), and the error says so. Same ownership as device_add. NULL (or a table that
     * ends before it): every change is a removal and an addition. */
    lxdp_status (*device_update)(void *driver, const lxdp_instance *before, const lxdp_instance *after,
                                 const lxdp_device *device, lxdp_error *err);

    /* ---- @since 1.6: backend features (read only when struct_size covers it) --------------- */

    /* Reports which optional features of its backend the driver finds, one out->set(name, "true"
     * or "false") each: for a container driver on liblxc, the liblxc API extensions LXD checks,
     * which the host shows as GET /1.0 environment.lxc_features. The host asks once, the first
     * time it needs them. NULL (or a table that ends before it): the driver reports none. */
    lxdp_status (*features)(void *driver, const lxdp_kv_sink *out, lxdp_error *err);
} lxdp_instance_ops;

#ifdef __cplusplus
}
#endif

#endif /* LXDP_INSTANCE_H */
