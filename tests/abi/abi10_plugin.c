/* SPDX-License-Identifier: Apache-2.0
 *
 * A plugin as it was written for ABI 1.0, compiled against the frozen 1.0 headers (sdk-1.0/) and
 * never against the current ones: every later host must keep loading it and calling it right
 * (tests/unit/plugins/abi10_plugin_test.cpp). It fills every 1.0 member of the tables it exports
 * and reads every 1.0 member of what the host passes in, echoing the inputs back through the
 * outputs so the test sees each of them cross the boundary.
 *
 * storage "abi10fs": pools and volumes kept in memory (names, sizes), nothing on disk.
 * instance "abi10-ct": instances as a table of names and states, files in memory, exec through
 * the host's run_command.
 *
 * Never edit this file for a new minor: it is what an old plugin looks like.
 */
#define _POSIX_C_SOURCE 200809L
#include <lxdp/instance.h>
#include <lxdp/storage.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const lxdp_host_api *g_host;

static const char *kv_find(const lxdp_kv_list *list, const char *key) {
    for (uint32_t i = 0; list != NULL && i < list->count; ++i)
        if (strcmp(list->items[i].key, key) == 0) return list->items[i].value;
    return NULL;
}

static void copy_str(char *dst, size_t len, const char *src) { snprintf(dst, len, "%s", src ? src : ""); }

/* ---- storage "abi10fs" ------------------------------------------------------------------- */

#define MAX_VOLUMES 16
typedef struct abi10_volume {
    int used;
    char name[128];
    char size[32];
} abi10_volume;

typedef struct abi10_pool {
    char name[64];
    char tag[64];
    int mounted;
    abi10_volume volumes[MAX_VOLUMES];
} abi10_pool;

static abi10_volume *find_volume(abi10_pool *p, const char *name) {
    for (int i = 0; i < MAX_VOLUMES; ++i)
        if (p->volumes[i].used && strcmp(p->volumes[i].name, name) == 0) return &p->volumes[i];
    return NULL;
}

static abi10_volume *add_volume(abi10_pool *p, const char *name, const char *size, lxdp_error *err) {
    if (find_volume(p, name) != NULL) {
        lxdp_error_set(err, LXDP_E_EXISTS, "volume %s already exists", name);
        return NULL;
    }
    for (int i = 0; i < MAX_VOLUMES; ++i)
        if (!p->volumes[i].used) {
            p->volumes[i].used = 1;
            copy_str(p->volumes[i].name, sizeof p->volumes[i].name, name);
            copy_str(p->volumes[i].size, sizeof p->volumes[i].size, size);
            return &p->volumes[i];
        }
    lxdp_error_set(err, LXDP_E_IO, "pool %s is full", p->name);
    return NULL;
}

/* The volume itself or, with snapshots set, its snapshots ("name/..."). */
static int belongs_to(const abi10_volume *v, const char *name, int snapshots) {
    size_t n = strlen(name);
    return snapshots ? strncmp(v->name, name, n) == 0 && v->name[n] == '/' : strcmp(v->name, name) == 0;
}

static const lxdp_storage_info storage_info = {
    .struct_size = sizeof(lxdp_storage_info),
    .flags = LXDP_STORAGE_FAST_SNAPSHOTS | LXDP_STORAGE_QUOTAS,
    .version = "abi-1.0",
};

static const lxdp_storage_info *s_info(void) { return &storage_info; }

static lxdp_status s_probe(const lxdp_host_api *host, lxdp_error *err) {
    if (!LXDP_HAS_FIELD(host, lxdp_host_api, op_cancelled) || host->abi_major != LXDP_ABI_MAJOR)
        return lxdp_error_set(err, LXDP_E_ABI, "the host table is not ABI 1.0's");
    host->log(host->host, LXDP_LOG_INFO, "abi10fs probed by a host of ABI 1.x");
    return LXDP_OK;
}

static lxdp_status s_pool_validate(const lxdp_host_api *host, const lxdp_kv_list *config, lxdp_error *err) {
    (void)host;
    for (uint32_t i = 0; config != NULL && i < config->count; ++i)
        if (strcmp(config->items[i].key, "abi10.tag") != 0)
            return lxdp_error_set(err, LXDP_E_INVAL, "unknown key %s=%s", config->items[i].key, config->items[i].value);
    return LXDP_OK;
}

static lxdp_status s_pool_open(const lxdp_host_api *host, const char *name, const lxdp_kv_list *config, void **pool,
                               lxdp_error *err) {
    (void)host;
    abi10_pool *p = calloc(1, sizeof *p);
    if (p == NULL) return lxdp_error_set(err, LXDP_E_IO, "out of memory");
    copy_str(p->name, sizeof p->name, name);
    copy_str(p->tag, sizeof p->tag, kv_find(config, "abi10.tag"));
    *pool = p;
    return LXDP_OK;
}

static void s_pool_close(void *pool) { free(pool); }

static lxdp_status s_pool_create(void *pool, const lxdp_kv_sink *config_out, lxdp_error *err) {
    (void)err;
    abi10_pool *p = pool;
    config_out->set(config_out->ctx, "abi10.created", p->name);
    if (*p->tag) config_out->set(config_out->ctx, "abi10.tag.seen", p->tag);
    return LXDP_OK;
}

static lxdp_status s_pool_delete(void *pool, lxdp_error *err) {
    abi10_pool *p = pool;
    for (int i = 0; i < MAX_VOLUMES; ++i)
        if (p->volumes[i].used) return lxdp_error_set(err, LXDP_E_BUSY, "pool %s still holds %s", p->name, p->volumes[i].name);
    return LXDP_OK;
}

static lxdp_status s_pool_mount(void *pool, lxdp_error *err) {
    (void)err;
    ((abi10_pool *)pool)->mounted = 1;
    return LXDP_OK;
}

static lxdp_status s_pool_unmount(void *pool, lxdp_error *err) {
    (void)err;
    ((abi10_pool *)pool)->mounted = 0;
    return LXDP_OK;
}

static lxdp_status s_pool_usage(void *pool, uint64_t *used, uint64_t *total, lxdp_error *err) {
    abi10_pool *p = pool;
    if (!p->mounted) return lxdp_error_set(err, LXDP_E_IO, "pool %s is not mounted", p->name);
    *used = 0;
    for (int i = 0; i < MAX_VOLUMES; ++i) *used += p->volumes[i].used ? 4096 : 0;
    *total = 1u << 20;
    return LXDP_OK;
}

/* Where a volume "is": every member of lxdp_volume shows in it. */
static void volume_path(const abi10_pool *p, const lxdp_volume *vol, char *buf, size_t len) {
    snprintf(buf, len, "abi10:%s/%s/type%u/content%u/%s", p->name, vol->project, vol->type, vol->content, vol->name);
}

static lxdp_status s_volume_create(void *pool, const lxdp_volume *vol, const lxdp_filler *filler, lxdp_op *op,
                                   lxdp_error *err) {
    abi10_pool *p = pool;
    if (vol->content != LXDP_CONTENT_FILESYSTEM) return lxdp_error_set(err, LXDP_E_NOTSUP, "block volumes are not supported");
    abi10_volume *v = add_volume(p, vol->name, kv_find(vol->config, "size"), err);
    if (v == NULL) return err->code;
    if (filler != NULL) {
        char path[512];
        volume_path(p, vol, path, sizeof path);
        lxdp_status rc = filler->fill(filler->ctx, path, op, err);
        if (rc != LXDP_OK) {
            v->used = 0;
            return rc;
        }
    }
    return LXDP_OK;
}

static lxdp_status s_volume_copy(void *pool, const lxdp_volume *dst, const lxdp_volume *src, lxdp_op *op,
                                 lxdp_error *err) {
    (void)op;
    abi10_pool *p = pool;
    abi10_volume *s = find_volume(p, src->name);
    if (s == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "volume %s not found", src->name);
    return add_volume(p, dst->name, s->size, err) != NULL ? LXDP_OK : err->code;
}

static lxdp_status s_volume_delete(void *pool, const lxdp_volume *vol, lxdp_op *op, lxdp_error *err) {
    (void)op;
    abi10_pool *p = pool;
    if (find_volume(p, vol->name) == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "volume %s not found", vol->name);
    for (int i = 0; i < MAX_VOLUMES; ++i)
        if (p->volumes[i].used && (belongs_to(&p->volumes[i], vol->name, 0) || belongs_to(&p->volumes[i], vol->name, 1)))
            p->volumes[i].used = 0;
    return LXDP_OK;
}

static lxdp_status s_volume_rename(void *pool, const lxdp_volume *vol, const char *new_name, lxdp_error *err) {
    abi10_pool *p = pool;
    abi10_volume *v = find_volume(p, vol->name);
    if (v == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "volume %s not found", vol->name);
    const char *slash = strchr(vol->name, '/');
    char target[128];
    if (slash != NULL && strchr(new_name, '/') == NULL) /* a snapshot renamed within its parent */
        snprintf(target, sizeof target, "%.*s/%s", (int)(slash - vol->name), vol->name, new_name);
    else
        copy_str(target, sizeof target, new_name);
    if (find_volume(p, target) != NULL) return lxdp_error_set(err, LXDP_E_EXISTS, "volume %s already exists", target);
    char old[128];
    copy_str(old, sizeof old, vol->name);
    for (int i = 0; i < MAX_VOLUMES; ++i) {
        abi10_volume *s = &p->volumes[i];
        if (s->used && belongs_to(s, old, 1)) {
            char renamed[128];
            snprintf(renamed, sizeof renamed, "%s%s", target, s->name + strlen(old));
            copy_str(s->name, sizeof s->name, renamed);
        }
    }
    copy_str(v->name, sizeof v->name, target);
    return LXDP_OK;
}

static lxdp_status s_volume_snapshot(void *pool, const lxdp_volume *snap, lxdp_op *op, lxdp_error *err) {
    (void)op;
    abi10_pool *p = pool;
    const char *slash = strchr(snap->name, '/');
    char parent[128];
    snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - snap->name) : 0, snap->name);
    abi10_volume *v = find_volume(p, parent);
    if (slash == NULL || v == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "no parent volume for %s", snap->name);
    return add_volume(p, snap->name, v->size, err) != NULL ? LXDP_OK : err->code;
}

static lxdp_status s_volume_restore(void *pool, const lxdp_volume *vol, const lxdp_volume *snap, lxdp_op *op,
                                    lxdp_error *err) {
    (void)op;
    abi10_pool *p = pool;
    abi10_volume *v = find_volume(p, vol->name), *s = find_volume(p, snap->name);
    if (v == NULL || s == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "%s or %s not found", vol->name, snap->name);
    copy_str(v->size, sizeof v->size, s->size);
    return LXDP_OK;
}

static lxdp_status s_volume_mount(void *pool, const lxdp_volume *vol, char *path, size_t path_len, lxdp_error *err) {
    abi10_pool *p = pool;
    if (find_volume(p, vol->name) == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "volume %s not found", vol->name);
    volume_path(p, vol, path, path_len);
    return LXDP_OK;
}

static lxdp_status s_volume_unmount(void *pool, const lxdp_volume *vol, lxdp_error *err) {
    return find_volume(pool, vol->name) ? LXDP_OK : lxdp_error_set(err, LXDP_E_NOTFOUND, "volume %s not found", vol->name);
}

/* A volume uses what its size says (0 without one). */
static lxdp_status s_volume_usage(void *pool, const lxdp_volume *vol, uint64_t *used, lxdp_error *err) {
    abi10_volume *v = find_volume(pool, vol->name);
    if (v == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "volume %s not found", vol->name);
    *used = strtoull(v->size, NULL, 10);
    return LXDP_OK;
}

static lxdp_status s_volume_set_size(void *pool, const lxdp_volume *vol, const char *size, lxdp_error *err) {
    abi10_volume *v = find_volume(pool, vol->name);
    if (v == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "volume %s not found", vol->name);
    if (*size && strtoull(size, NULL, 10) < strtoull(v->size, NULL, 10))
        return lxdp_error_set(err, LXDP_E_STORAGE_CANNOT_SHRINK, "cannot shrink %s below %s", vol->name, v->size);
    copy_str(v->size, sizeof v->size, size);
    return LXDP_OK;
}

static const lxdp_storage_ops storage_ops = {
    .struct_size = sizeof(lxdp_storage_ops),
    .info = s_info,
    .probe = s_probe,
    .pool_validate = s_pool_validate,
    .pool_open = s_pool_open,
    .pool_close = s_pool_close,
    .pool_create = s_pool_create,
    .pool_delete = s_pool_delete,
    .pool_mount = s_pool_mount,
    .pool_unmount = s_pool_unmount,
    .pool_usage = s_pool_usage,
    .volume_create = s_volume_create,
    .volume_copy = s_volume_copy,
    .volume_delete = s_volume_delete,
    .volume_rename = s_volume_rename,
    .volume_snapshot = s_volume_snapshot,
    .volume_restore = s_volume_restore,
    .volume_mount = s_volume_mount,
    .volume_unmount = s_volume_unmount,
    .volume_usage = s_volume_usage,
    .volume_set_size = s_volume_set_size,
};

/* ---- instance "abi10-ct" ----------------------------------------------------------------- */

#define MAX_INSTANCES 8
#define MAX_FILES 8
typedef struct abi10_ct {
    int used;
    char name[64];
    uint32_t status;
} abi10_ct;

typedef struct abi10_file {
    int used;
    char path[128];
    lxdp_file_info info;
    char data[256];
} abi10_file;

typedef struct abi10_driver {
    char var_dir[256];
    abi10_ct cts[MAX_INSTANCES];
    abi10_file files[MAX_FILES];
} abi10_driver;

static abi10_ct *find_ct(abi10_driver *d, const char *name) {
    for (int i = 0; i < MAX_INSTANCES; ++i)
        if (d->cts[i].used && strcmp(d->cts[i].name, name) == 0) return &d->cts[i];
    return NULL;
}

static abi10_file *find_file(abi10_driver *d, const char *path) {
    for (int i = 0; i < MAX_FILES; ++i)
        if (d->files[i].used && strcmp(d->files[i].path, path) == 0) return &d->files[i];
    return NULL;
}

static const lxdp_instance_info instance_info = {
    .struct_size = sizeof(lxdp_instance_info),
    .type = LXDP_INSTANCE_CONTAINER,
    .version = "abi-1.0",
};

static const lxdp_instance_info *i_info(void) { return &instance_info; }

static lxdp_status i_probe(const lxdp_host_api *host, lxdp_error *err) {
    (void)host;
    (void)err;
    return LXDP_OK;
}

static lxdp_status i_open(const lxdp_host_api *host, void **driver, lxdp_error *err) {
    abi10_driver *d = calloc(1, sizeof *d);
    if (d == NULL) return lxdp_error_set(err, LXDP_E_IO, "out of memory");
    host->config_get(host->host, LXDP_HOST_KEY_VAR_DIR, d->var_dir, sizeof d->var_dir);
    *driver = d;
    return LXDP_OK;
}

static void i_close(void *driver) { free(driver); }

static lxdp_status i_validate(void *driver, const lxdp_instance *inst, lxdp_error *err) {
    (void)driver;
    const char *bad = kv_find(inst->config, "abi10.reject");
    if (bad != NULL) return lxdp_error_set(err, LXDP_E_INVAL, "abi10.reject is %s", bad);
    for (uint32_t i = 0; i < inst->devices->count; ++i)
        if (kv_find(inst->devices->items[i].config, "type") == NULL)
            return lxdp_error_set(err, LXDP_E_INVAL, "device %s has no type", inst->devices->items[i].name);
    return LXDP_OK;
}

/* Records the instance and reports every member of lxdp_instance as volatile keys. */
static lxdp_status i_create(void *driver, const lxdp_instance *inst, const lxdp_kv_sink *out, lxdp_op *op,
                            lxdp_error *err) {
    (void)op;
    abi10_driver *d = driver;
    if (find_ct(d, inst->name) != NULL) return lxdp_error_set(err, LXDP_E_EXISTS, "%s exists", inst->name);
    for (int i = 0; i < MAX_INSTANCES; ++i)
        if (!d->cts[i].used) {
            d->cts[i].used = 1;
            d->cts[i].status = LXDP_STATE_STOPPED;
            copy_str(d->cts[i].name, sizeof d->cts[i].name, inst->name);
            char seen[512];
            snprintf(seen, sizeof seen, "type%u %s/%s at %s", inst->type, inst->project, inst->name, inst->volume_path);
            out->set(out->ctx, "volatile.abi10.seen", seen);
            const char *limit = kv_find(inst->config, "limits.cpu");
            if (limit != NULL) out->set(out->ctx, "volatile.abi10.cpu", limit);
            for (uint32_t j = 0; j < inst->devices->count; ++j) {
                char key[128];
                snprintf(key, sizeof key, "volatile.abi10.%s", inst->devices->items[j].name);
                out->set(out->ctx, key, kv_find(inst->devices->items[j].config, "type"));
            }
            return LXDP_OK;
        }
    return lxdp_error_set(err, LXDP_E_IO, "no room for %s", inst->name);
}

static lxdp_status i_start(void *driver, const lxdp_instance *inst, const lxdp_kv_sink *out, lxdp_op *op,
                           lxdp_error *err) {
    (void)op;
    abi10_driver *d = driver;
    abi10_ct *ct = find_ct(d, inst->name);
    if (ct == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "%s not found", inst->name);
    if (ct->status != LXDP_STATE_STOPPED) return lxdp_error_set(err, LXDP_E_INSTANCE_RUNNING, "The instance is already running");
    ct->status = LXDP_STATE_RUNNING;
    out->set(out->ctx, "volatile.abi10.var_dir", d->var_dir);
    return LXDP_OK;
}

static lxdp_status i_stop(void *driver, const lxdp_instance *inst, uint32_t force, int32_t timeout_s, lxdp_op *op,
                          lxdp_error *err) {
    (void)op;
    abi10_ct *ct = find_ct(driver, inst->name);
    if (ct == NULL || ct->status == LXDP_STATE_STOPPED)
        return lxdp_error_set(err, LXDP_E_INSTANCE_NOT_RUNNING, "The instance isn't running");
    if (!force && timeout_s == 0) return lxdp_error_set(err, LXDP_E_BUSY, "%s did not stop within 0s", inst->name);
    ct->status = LXDP_STATE_STOPPED;
    return LXDP_OK;
}

static lxdp_status set_status(void *driver, const lxdp_instance *inst, uint32_t from, uint32_t to, lxdp_error *err) {
    abi10_ct *ct = find_ct(driver, inst->name);
    if (ct == NULL || ct->status != from) return lxdp_error_set(err, LXDP_E_INVAL, "%s is not in the right state", inst->name);
    ct->status = to;
    return LXDP_OK;
}

static lxdp_status i_freeze(void *driver, const lxdp_instance *inst, lxdp_error *err) {
    return set_status(driver, inst, LXDP_STATE_RUNNING, LXDP_STATE_FROZEN, err);
}

static lxdp_status i_unfreeze(void *driver, const lxdp_instance *inst, lxdp_error *err) {
    return set_status(driver, inst, LXDP_STATE_FROZEN, LXDP_STATE_RUNNING, err);
}

static lxdp_status i_remove(void *driver, const lxdp_instance *inst, lxdp_error *err) {
    abi10_ct *ct = find_ct(driver, inst->name);
    if (ct == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "%s not found", inst->name);
    if (ct->status != LXDP_STATE_STOPPED) return lxdp_error_set(err, LXDP_E_INSTANCE_RUNNING, "The instance is running");
    ct->used = 0;
    return LXDP_OK;
}

static lxdp_status i_rename(void *driver, const lxdp_instance *inst, const char *new_name, lxdp_error *err) {
    abi10_ct *ct = find_ct(driver, inst->name);
    if (ct == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "%s not found", inst->name);
    copy_str(ct->name, sizeof ct->name, new_name);
    return LXDP_OK;
}

static lxdp_status i_state(void *driver, const lxdp_instance *inst, lxdp_instance_state *st, lxdp_error *err) {
    abi10_ct *ct = find_ct(driver, inst->name);
    if (ct == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "%s not found", inst->name);
    st->status = ct->status;
    int running = ct->status != LXDP_STATE_STOPPED;
    st->pid = running ? 4242 : 0;
    st->processes = running ? 3 : 0;
    st->memory_usage = running ? 1 << 20 : 0;
    st->memory_usage_peak = running ? 2 << 20 : 0;
    st->cpu_usage_ns = running ? 1000 : 0;
    return LXDP_OK;
}

/* A command: announced on its stdout with its request, run by the host at exec_wait. */
typedef struct abi10_exec {
    char *argv[8];
    int32_t stdout_fd;
    int32_t signal;
} abi10_exec;

static int32_t write_fd(void *ctx, const void *data, size_t len) {
    FILE *f = ctx;
    return fwrite(data, 1, len, f) == len ? 0 : 1;
}

static lxdp_status i_exec(void *driver, const lxdp_instance *inst, const lxdp_exec_request *req, void **handle,
                          lxdp_error *err) {
    abi10_ct *ct = find_ct(driver, inst->name);
    if (ct == NULL || ct->status != LXDP_STATE_RUNNING)
        return lxdp_error_set(err, LXDP_E_INSTANCE_NOT_RUNNING, "The instance isn't running");
    abi10_exec *e = calloc(1, sizeof *e);
    if (e == NULL) return lxdp_error_set(err, LXDP_E_IO, "out of memory");
    for (int i = 0; i < 7 && req->argv[i] != NULL; ++i) e->argv[i] = strdup(req->argv[i]);
    e->stdout_fd = req->stdout_fd;
    char header[512];
    int n = snprintf(header, sizeof header, "uid=%u gid=%u cwd=%s env=%s stdin=%d stderr=%d\n", req->uid, req->gid,
                     req->cwd ? req->cwd : "", req->envp[0] ? req->envp[0] : "", req->stdin_fd >= 0,
                     req->stderr_fd >= 0);
    if (write(e->stdout_fd, header, (size_t)n) != n) {
        free(e);
        return lxdp_error_set(err, LXDP_E_IO, "cannot write to the command's stdout");
    }
    *handle = e;
    return LXDP_OK;
}

static lxdp_status i_exec_wait(void *handle, int32_t *exit_code, lxdp_error *err) {
    abi10_exec *e = handle;
    if (e->signal != 0) {
        *exit_code = 128 + e->signal;
        return LXDP_OK;
    }
    FILE *out = fdopen(dup(e->stdout_fd), "w");
    if (out == NULL) return lxdp_error_set(err, LXDP_E_IO, "cannot open the command's stdout");
    lxdp_byte_sink sink = {.struct_size = sizeof sink, .write = write_fd, .ctx = out};
    lxdp_command cmd = {.struct_size = sizeof cmd, .timeout_ms = 10000, .argv = (const char *const *)e->argv,
                        .cwd = "/", .out = &sink, .err_out = NULL};
    lxdp_status rc = g_host->run_command(g_host->host, &cmd, NULL, exit_code, err);
    fclose(out);
    return rc;
}

static lxdp_status i_exec_signal(void *handle, int32_t signal, lxdp_error *err) {
    (void)err;
    ((abi10_exec *)handle)->signal = signal;
    return LXDP_OK;
}

static void i_exec_release(void *handle) {
    abi10_exec *e = handle;
    for (int i = 0; e->argv[i] != NULL; ++i) free(e->argv[i]);
    free(e);
}

static lxdp_status i_file_get(void *driver, const lxdp_instance *inst, const char *path, lxdp_file_info *info,
                              const lxdp_byte_sink *content, const lxdp_name_sink *names, lxdp_error *err) {
    (void)inst;
    abi10_driver *d = driver;
    if (strcmp(path, "/") == 0) {
        info->type = LXDP_FILE_DIRECTORY;
        info->uid = info->gid = 0;
        info->mode = 0755;
        for (int i = 0; i < MAX_FILES; ++i)
            if (d->files[i].used) names->add(names->ctx, d->files[i].path + 1);
        return LXDP_OK;
    }
    abi10_file *f = find_file(d, path);
    if (f == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "%s not found", path);
    *info = f->info;
    info->struct_size = sizeof *info;
    info->size = (int64_t)strlen(f->data);
    info->mtime = 1700000000;
    if (content->write(content->ctx, f->data, strlen(f->data)) != 0) return lxdp_error_set(err, LXDP_E_IO, "the reader stopped");
    return LXDP_OK;
}

static lxdp_status i_file_put(void *driver, const lxdp_instance *inst, const char *path, const lxdp_file_info *info,
                              const lxdp_byte_source *content, lxdp_error *err) {
    (void)inst;
    abi10_driver *d = driver;
    if (path[0] != '/' || strchr(path + 1, '/') != NULL) return lxdp_error_set(err, LXDP_E_INVAL, "only files in / here");
    abi10_file *f = find_file(d, path);
    for (int i = 0; f == NULL && i < MAX_FILES; ++i)
        if (!d->files[i].used) f = &d->files[i];
    if (f == NULL) return lxdp_error_set(err, LXDP_E_IO, "no room for %s", path);
    size_t used = info->write_mode == LXDP_FILE_WRITE_APPEND && f->used ? strlen(f->data) : 0;
    for (;;) {
        int64_t n = content->read(content->ctx, f->data + used, sizeof f->data - 1 - used);
        if (n < 0) return lxdp_error_set(err, LXDP_E_IO, "reading the content failed");
        if (n == 0) break;
        used += (size_t)n;
    }
    f->data[used] = '\0';
    f->used = 1;
    copy_str(f->path, sizeof f->path, path);
    f->info.type = info->type;
    f->info.uid = info->uid;
    f->info.gid = info->gid;
    f->info.mode = info->mode;
    return LXDP_OK;
}

static lxdp_status i_file_delete(void *driver, const lxdp_instance *inst, const char *path, lxdp_error *err) {
    (void)inst;
    abi10_file *f = find_file(driver, path);
    if (f == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "%s not found", path);
    f->used = 0;
    return LXDP_OK;
}

static lxdp_status i_interfaces(void *driver, const lxdp_instance *inst, const lxdp_net_interface_sink *out,
                                lxdp_error *err) {
    abi10_ct *ct = find_ct(driver, inst->name);
    if (ct == NULL) return lxdp_error_set(err, LXDP_E_NOTFOUND, "%s not found", inst->name);
    if (ct->status == LXDP_STATE_STOPPED) return LXDP_OK;
    const lxdp_net_address addr = {.struct_size = sizeof addr, .family = "inet", .address = "198.19.10.2",
                                   .netmask = "24", .scope = "global"};
    const lxdp_net_interface eth0 = {
        .struct_size = sizeof eth0, .mtu = 1500, .name = "eth0", .hwaddr = "00:16:3e:00:00:10",
        .host_name = "vethabi10", .state = "up", .type = "broadcast", .bytes_received = 1, .bytes_sent = 2,
        .packets_received = 3, .packets_sent = 4, .n_addresses = 1, .addresses = &addr};
    out->add(out->ctx, &eth0);
    return LXDP_OK;
}

static const lxdp_instance_ops instance_ops = {
    .struct_size = sizeof(lxdp_instance_ops),
    .info = i_info,
    .probe = i_probe,
    .open = i_open,
    .close = i_close,
    .validate = i_validate,
    .create = i_create,
    .start = i_start,
    .stop = i_stop,
    .freeze = i_freeze,
    .unfreeze = i_unfreeze,
    .remove = i_remove,
    .rename = i_rename,
    .state = i_state,
    .exec = i_exec,
    .exec_wait = i_exec_wait,
    .exec_signal = i_exec_signal,
    .exec_release = i_exec_release,
    .file_get = i_file_get,
    .file_put = i_file_put,
    .file_delete = i_file_delete,
    .console = NULL, /* the host has no caller of console yet */
    .interfaces = i_interfaces,
};

/* ---- the plugin -------------------------------------------------------------------------- */

static const lxdp_component components[] = {
    {.struct_size = sizeof(lxdp_component), .kind = LXDP_COMPONENT_STORAGE, .name = "abi10fs", .ops = &storage_ops},
    {.struct_size = sizeof(lxdp_component), .kind = LXDP_COMPONENT_INSTANCE, .name = "abi10-ct", .ops = &instance_ops},
};

static const lxdp_plugin_info plugin_info = {
    .struct_size = sizeof(lxdp_plugin_info),
    .abi_major = LXDP_ABI_MAJOR,
    .abi_minor = LXDP_ABI_MINOR,
    .min_host_minor = 0,
    .name = "abi10-fixture",
    .version = "1.0.0",
    .license = "Apache-2.0",
    .description = "a plugin built against the frozen ABI 1.0 headers",
    .n_components = 2,
    .reserved = 0,
    .components = components,
};

LXDP_EXPORT lxdp_status lxdp_plugin_entry_v1(const lxdp_host_api *host, const lxdp_plugin_info **info,
                                             lxdp_error *err) {
    if (host->abi_major != LXDP_ABI_MAJOR)
        return lxdp_error_set(err, LXDP_E_ABI, "built for ABI %d, the host speaks %u", LXDP_ABI_MAJOR, host->abi_major);
    g_host = host;
    *info = &plugin_info;
    return LXDP_OK;
}
