/* SPDX-License-Identifier: Apache-2.0
 *
 * lxdp plugin ABI, version 1: the base every plugin kind shares.
 *
 * A plugin is a shared object exporting one C function, LXDP_PLUGIN_ENTRY_SYMBOL. The host calls it
 * once, at start-up, with its services table; the plugin answers with a static lxdp_plugin_info that
 * lists its components (storage drivers, instance drivers, ...), each with a table of functions.
 *
 * Rules that hold for every header of the SDK:
 * - Every struct that crosses the boundary starts with uint32_t struct_size, set with sizeof() by
 *   whoever builds it. A reader checks LXDP_HAS_FIELD before reading a member that was added later.
 * - Released structs and functions never change: members are only appended, tagged @since 1.N,
 *   and the minor version is bumped. A changed signature becomes a new member (foo_v2).
 * - A NULL function pointer means "not supported"; the host answers LXDP_E_NOTSUP without calling.
 * - Whoever allocates, frees. Inputs are borrowed for the duration of the call only: copy what you
 *   keep. Outputs go into caller-provided buffers (snprintf semantics), through sink callbacks that
 *   the caller copies from, or into plugin-owned handles with a paired release function.
 * - No C++ exception, no longjmp crosses the boundary.
 * - Plugins never fork/exec, log or read the environment on their own: they ask the host.
 *
 * Threading classes:
 * | class     | functions                              | host guarantee                                |
 * |-----------|----------------------------------------|-----------------------------------------------|
 * | discovery | entry, probe, info                     | one thread, nothing else in flight in the .so |
 * | object    | *_open / *_close                       | never concurrent with any call on that object |
 * | operation | everything else                        | concurrent across objects; the host serializes|
 * |           |                                        | calls on the same volume or instance          |
 * Host services are thread-safe; an lxdp_op is valid only during the call that received it.
 */
#ifndef LXDP_ABI_H
#define LXDP_ABI_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LXDP_ABI_MAJOR 1
#define LXDP_ABI_MINOR 6

#if defined(__GNUC__)
#define LXDP_EXPORT __attribute__((visibility("default")))
#else
#define LXDP_EXPORT
#endif

/* True when the struct *p, of the size it declares, holds member f. */
#define LXDP_HAS_FIELD(p, type, f) \
    ((p) != NULL && (p)->struct_size >= offsetof(type, f) + sizeof(((type *)0)->f))

/* ---- Status codes ------------------------------------------------------------------------- */
/* 0 is success, negative values are errors. Each domain header owns a range (storage -100..-199,
 * instance -200..-299, network -300..-399). A code the host does not know is treated as
 * LXDP_E_INTERNAL. */
typedef int32_t lxdp_status;
#define LXDP_OK 0
#define LXDP_E_INVAL (-1)     /* bad input: HTTP 400 */
#define LXDP_E_NOTSUP (-2)    /* not supported by this backend: HTTP 400 */
#define LXDP_E_NOTFOUND (-3)  /* HTTP 404 */
#define LXDP_E_EXISTS (-4)    /* HTTP 409 */
#define LXDP_E_BUSY (-5)      /* in use: HTTP 409 */
#define LXDP_E_IO (-6)        /* the backend failed: HTTP 500 */
#define LXDP_E_CANCELLED (-7) /* the operation was cancelled */
#define LXDP_E_ABI (-8)       /* the plugin cannot work with this host */
#define LXDP_E_INTERNAL (-9)  /* HTTP 500 */

/* Allocated and zeroed by the caller (the host); the plugin writes the message. Messages are for
 * the person running the daemon: say which object, which step, what to do. */
#define LXDP_ERROR_MESSAGE_MAX 512
typedef struct lxdp_error {
    uint32_t struct_size;
    lxdp_status code;
    char message[LXDP_ERROR_MESSAGE_MAX];
} lxdp_error;

/* Fills err (if not NULL) and returns code, so a plugin can write `return lxdp_error_set(...)`. */
static inline lxdp_status lxdp_error_set(lxdp_error *err, lxdp_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static inline lxdp_status lxdp_error_set(lxdp_error *err, lxdp_status code, const char *fmt, ...) {
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

/* ---- Common value types ------------------------------------------------------------------- */
/* Keys and values are NUL-terminated UTF-8. */
typedef struct lxdp_kv {
    const char *key;
    const char *value;
} lxdp_kv;

typedef struct lxdp_kv_list {
    uint32_t struct_size;
    uint32_t count;
    const lxdp_kv *items;
} lxdp_kv_list;

/* The plugin calls set() once per pair it wants recorded; the host copies both strings. */
typedef struct lxdp_kv_sink {
    uint32_t struct_size;
    uint32_t reserved;
    void (*set)(void *ctx, const char *key, const char *value);
    void *ctx;
} lxdp_kv_sink;

/* A stream of bytes the callee writes; the host copies or forwards data before returning.
 * write() returns 0 on success, non-zero to ask the writer to stop (e.g. client gone). */
typedef struct lxdp_byte_sink {
    uint32_t struct_size;
    uint32_t reserved;
    int32_t (*write)(void *ctx, const void *data, size_t len);
    void *ctx;
} lxdp_byte_sink;

/* A stream of bytes the callee reads: read() fills up to len bytes of buf and returns how many,
 * 0 at the end, a negative value on error. */
typedef struct lxdp_byte_source {
    uint32_t struct_size;
    uint32_t reserved;
    int64_t (*read)(void *ctx, void *buf, size_t len);
    void *ctx;
} lxdp_byte_source;

/* ---- Host services ------------------------------------------------------------------------ */
typedef struct lxdp_host lxdp_host; /* opaque, owned by the host */
typedef struct lxdp_op lxdp_op;     /* opaque: the REST operation a call runs for; may be NULL */

#define LXDP_LOG_ERROR 0
#define LXDP_LOG_WARN 1
#define LXDP_LOG_INFO 2
#define LXDP_LOG_DEBUG 3

/* A command the host runs on the plugin's behalf (the host forks, with LANG=C, no inherited fds). */
typedef struct lxdp_command {
    uint32_t struct_size;
    uint32_t timeout_ms;          /* 0: no limit */
    const char *const *argv;      /* NULL-terminated; argv[0] is looked up in PATH */
    const char *cwd;              /* NULL: "/" */
    const lxdp_byte_sink *out;    /* NULL: stdout is captured for the error message only */
    const lxdp_byte_sink *err_out;/* NULL: stderr goes into err->message on failure */
    /* @since 1.3: above 0, an fd of the caller's the command reads as its stdin (the caller keeps
     * and closes it); 0: stdin is /dev/null, as for callers built before 1.3. */
    int32_t in_fd;
    uint32_t reserved;
} lxdp_command;

typedef struct lxdp_progress {
    uint32_t struct_size;
    int32_t percent;     /* 0..100, or -1 when unknown */
    const char *stage;   /* e.g. "create_instance_from_image_unpack" */
    uint64_t done_bytes;
    uint64_t total_bytes; /* 0 when unknown */
} lxdp_progress;

/* Well-known keys for config_get besides the server config keys of the spec. */
#define LXDP_HOST_KEY_VAR_DIR "lxdp.var_dir"       /* $LXD_DIR */
#define LXDP_HOST_KEY_LOG_DIR "lxdp.log_dir"       /* $LXD_DIR/logs */
#define LXDP_HOST_KEY_CACHE_DIR "lxdp.cache_dir"   /* $LXD_DIR/cache */

/* Passed to the entry function and valid until the plugin is unloaded (never, in ABI 1). */
typedef struct lxdp_host_api {
    uint32_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;
    uint32_t reserved;
    lxdp_host *host; /* pass back on every call */

    /* A preformatted UTF-8 line; the host adds the plugin name. */
    void (*log)(lxdp_host *host, uint32_t level, const char *msg);

    /* Copies the value of a daemon-wide key into buf (snprintf semantics: returns the full length,
     * writes at most buf_len bytes including the NUL). Returns 0 for an unset key. */
    size_t (*config_get)(lxdp_host *host, const char *key, char *buf, size_t buf_len);

    /* Runs a command to completion. exit_status receives the exit code (128+N when killed by
     * signal N). Returns LXDP_OK when it ran, whatever its exit code; an error when it could not
     * be started, timed out or was cancelled through op. */
    lxdp_status (*run_command)(lxdp_host *host, const lxdp_command *cmd, lxdp_op *op,
                               int32_t *exit_status, lxdp_error *err);

    /* Reports progress into the operation's metadata. op may be NULL (ignored). */
    void (*op_progress)(lxdp_op *op, const lxdp_progress *progress);

    /* Non-zero once the client cancelled the operation; poll it in long loops. */
    int32_t (*op_cancelled)(lxdp_op *op);
} lxdp_host_api;

/* ---- Plugin description ------------------------------------------------------------------- */
#define LXDP_COMPONENT_STORAGE 1u  /* ops: const lxdp_storage_ops *  (storage.h) */
#define LXDP_COMPONENT_INSTANCE 2u /* ops: const lxdp_instance_ops * (instance.h) */
#define LXDP_COMPONENT_NETWORK 3u  /* ops: const lxdp_network_ops *  (network.h) @since 1.0 */
/* Kinds the host does not know are skipped, so new kinds are forward compatible. */

typedef struct lxdp_component {
    uint32_t struct_size;
    uint32_t kind;       /* LXDP_COMPONENT_* */
    const char *name;    /* driver name as the API shows it: "dir", "lxc", ... */
    const void *ops;     /* table of functions for that kind */
} lxdp_component;

typedef struct lxdp_plugin_info {
    uint32_t struct_size;
    uint32_t abi_major;      /* LXDP_ABI_MAJOR the plugin was built against */
    uint32_t abi_minor;      /* LXDP_ABI_MINOR the plugin was built against */
    uint32_t min_host_minor; /* the oldest host minor whose services the plugin needs */
    const char *name;        /* e.g. "storage-dir" */
    const char *version;
    const char *license;
    const char *description;
    uint32_t n_components;
    uint32_t reserved;
    const lxdp_component *components;
} lxdp_plugin_info;

/* The entry function. The plugin may keep host (valid for the process lifetime). It returns
 * LXDP_OK and a pointer to static info, or LXDP_E_ABI (with a message) when host->abi_major or
 * host->abi_minor cannot serve it. Everything info points to stays valid until unload. */
typedef lxdp_status (*lxdp_plugin_entry_fn)(const lxdp_host_api *host,
                                            const lxdp_plugin_info **info, lxdp_error *err);
#define LXDP_PLUGIN_ENTRY_SYMBOL "lxdp_plugin_entry_v1"

#ifdef __cplusplus
}
#endif

#endif /* LXDP_ABI_H */
