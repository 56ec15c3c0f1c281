/* SPDX-License-Identifier: Apache-2.0
 *
 * storage-memfs: an example third-party storage driver. Each pool is a tmpfs mounted at
 * $LXD_DIR/storage-pools/<pool> ("size" caps it), each volume a directory in it, so everything
 * lives in memory until the pool is deleted or the machine reboots. Snapshots and copies are
 * full copies (cp -a, run by the host); tmpfs has no per-volume quota, so sizes are refused.
 */
#define _GNU_SOURCE
#include <lxdp/storage.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static const lxdp_host_api *g_host;

typedef struct memfs_pool {
    char path[4096];
    char size[32]; /* tmpfs size= in bytes; empty: tmpfs's default (half of RAM) */
} memfs_pool;

static const char *kv_find(const lxdp_kv_list *config, const char *key) {
    for (uint32_t i = 0; config != NULL && i < config->count; ++i)
        if (strcmp(config->items[i].key, key) == 0) return config->items[i].value;
    return NULL;
}

/* LXD's sizes: a number with an optional unit, B, kB..EB (powers of 1000) or KiB..EiB (1024). */
static int parse_size(const char *text, uint64_t *bytes) {
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    char *end;
    errno = 0;
    unsigned long long n = strtoull(text, &end, 10);
    if (end == text || errno != 0 || text[0] == '-') return 0;
    if (*end == '\0') {
        *bytes = n;
        return 1;
    }
    for (unsigned i = 0; i < sizeof units / sizeof units[0]; ++i) {
        if (strcmp(end, units[i]) != 0) continue;
        unsigned long long mult = 1, base = i < 7 ? 1000 : 1024;
        for (unsigned k = 0; k < (i < 7 ? i : i - 6); ++k) mult *= base;
        if (mult != 0 && n > UINT64_MAX / mult) return 0;
        *bytes = n * mult;
        return 1;
    }
    return 0;
}

static const lxdp_storage_info memfs_info = {
    .struct_size = sizeof(lxdp_storage_info), .flags = 0, .version = "1"};

static const lxdp_storage_info *info(void) { return &memfs_info; }

static lxdp_status probe(const lxdp_host_api *host, lxdp_error *err) {
    (void)host;
    (void)err;
    return LXDP_OK;
}

static lxdp_status pool_validate(const lxdp_host_api *host, const lxdp_kv_list *config, lxdp_error *err) {
    (void)host;
    for (uint32_t i = 0; config != NULL && i < config->count; ++i) {
        const char *key = config->items[i].key;
        if (strcmp(key, "size") != 0 && strcmp(key, "source") != 0 && strncmp(key, "volume.", 7) != 0)
            return lxdp_error_set(err, LXDP_E_INVAL, "memfs pools have no key \"%s\"", key);
    }
    uint64_t bytes;
    const char *size = kv_find(config, "size");
    if (size != NULL && !parse_size(size, &bytes))
        return lxdp_error_set(err, LXDP_E_INVAL, "size \"%s\" is not a size such as 64MiB", size);
    return LXDP_OK;
}

static lxdp_status pool_open(const lxdp_host_api *host, const char *name, const lxdp_kv_list *config,
                             void **pool, lxdp_error *err) {
    char var_dir[3072];
    size_t n = host->config_get(host->host, LXDP_HOST_KEY_VAR_DIR, var_dir, sizeof var_dir);
    if (n == 0 || n >= sizeof var_dir) return lxdp_error_set(err, LXDP_E_INTERNAL, "no usable %s", LXDP_HOST_KEY_VAR_DIR);
    memfs_pool *p = calloc(1, sizeof *p);
    if (p == NULL) return lxdp_error_set(err, LXDP_E_INTERNAL, "out of memory");
    snprintf(p->path, sizeof p->path, "%s/storage-pools/%s", var_dir, name);
    uint64_t bytes;
    const char *size = kv_find(config, "size");
    if (size != NULL && parse_size(size, &bytes)) snprintf(p->size, sizeof p->size, "%llu", (unsigned long long)bytes);
    *pool = p;
    return LXDP_OK;
}

static void pool_close(void *pool) { free(pool); }

/* A tmpfs is mounted on path when path's device differs from its parent's. */
static int is_mounted(const char *path) {
    char parent[4200];
    struct stat a, b;
    snprintf(parent, sizeof parent, "%s/..", path);
    return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

static lxdp_status pool_mount(void *pool, lxdp_error *err) {
    memfs_pool *p = pool;
    if (is_mounted(p->path)) return LXDP_OK;
    char options[128] = "mode=0711";
    if (p->size[0] != '\0') snprintf(options, sizeof options, "mode=0711,size=%s", p->size);
    if (mount("lxdpp-memfs", p->path, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0)
        return lxdp_error_set(err, LXDP_E_IO, "mount tmpfs on %s: %s", p->path, strerror(errno));
    return LXDP_OK;
}

/* The tmpfs stays mounted while the daemon stops and starts: unmounting it would drop every
 * volume. It goes with pool_delete, or with a reboot. */
static lxdp_status pool_unmount(void *pool, lxdp_error *err) {
    (void)pool;
    (void)err;
    return LXDP_OK;
}

static lxdp_status pool_create(void *pool, const lxdp_kv_sink *config_out, lxdp_error *err) {
    memfs_pool *p = pool;
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", p->path);
    *strrchr(parent, '/') = '\0';
    if (mkdir(parent, 0711) != 0 && errno != EEXIST)
        return lxdp_error_set(err, LXDP_E_IO, "create %s: %s", parent, strerror(errno));
    if (mkdir(p->path, 0711) != 0)
        return lxdp_error_set(err, errno == EEXIST ? LXDP_E_EXISTS : LXDP_E_IO, "create %s: %s", p->path, strerror(errno));
    lxdp_status rc = pool_mount(pool, err);
    if (rc != LXDP_OK) {
        rmdir(p->path);
        return rc;
    }
    if (config_out != NULL) config_out->set(config_out->ctx, "source", p->path);
    return LXDP_OK;
}

/* Non-zero when dir holds anything but "." and "..". */
static int has_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (d == NULL) return 0;
    int found = 0;
    for (struct dirent *e; !found && (e = readdir(d)) != NULL;)
        found = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return found;
}

static lxdp_status pool_delete(void *pool, lxdp_error *err) {
    memfs_pool *p = pool;
    /* The pool's top level holds only the per-type directories; a volume is an entry in one. */
    DIR *top = opendir(p->path);
    for (struct dirent *e; top != NULL && (e = readdir(top)) != NULL;) {
        char sub[4400];
        snprintf(sub, sizeof sub, "%s/%s", p->path, e->d_name);
        if (e->d_name[0] != '.' && has_entries(sub)) {
            closedir(top);
            return lxdp_error_set(err, LXDP_E_BUSY, "pool %s still holds volumes (%s)", p->path, e->d_name);
        }
    }
    if (top != NULL) closedir(top);
    if (is_mounted(p->path) && umount2(p->path, MNT_DETACH) != 0)
        return lxdp_error_set(err, LXDP_E_BUSY, "unmount %s: %s", p->path, strerror(errno));
    if (rmdir(p->path) != 0 && errno != ENOENT)
        return lxdp_error_set(err, LXDP_E_IO, "remove %s: %s", p->path, strerror(errno));
    return LXDP_OK;
}

static lxdp_status pool_usage(void *pool, uint64_t *used, uint64_t *total, lxdp_error *err) {
    memfs_pool *p = pool;
    struct statvfs s;
    if (statvfs(p->path, &s) != 0) return lxdp_error_set(err, LXDP_E_IO, "statvfs %s: %s", p->path, strerror(errno));
    *total = (uint64_t)s.f_blocks * s.f_frsize;
    *used = (uint64_t)(s.f_blocks - s.f_bfree) * s.f_frsize;
    return LXDP_OK;
}

static const char *type_dir(uint32_t type) {
    switch (type) {
    case LXDP_VOLUME_CONTAINER: return "containers";
    case LXDP_VOLUME_IMAGE: return "images";
    case LXDP_VOLUME_CUSTOM: return "custom";
    default: return NULL;
    }
}

/* A volume is <pool>/<type>/<project>_<name>, its snapshot "name/snap" is
 * <pool>/<type>-snapshots/<project>_<name>/<snap>. name overrides vol->name when not NULL. */
static lxdp_status volume_path(const memfs_pool *p, const lxdp_volume *vol, const char *name, char *path,
                               size_t len, lxdp_error *err) {
    const char *t = type_dir(vol->type);
    if (t == NULL || vol->content != LXDP_CONTENT_FILESYSTEM)
        return lxdp_error_set(err, LXDP_E_NOTSUP, "memfs holds container, image and custom filesystem volumes only");
    if (name == NULL) name = vol->name;
    const char *slash = strchr(name, '/');
    int n = slash == NULL
                ? snprintf(path, len, "%s/%s/%s_%s", p->path, t, vol->project, name)
                : snprintf(path, len, "%s/%s-snapshots/%s_%.*s/%s", p->path, t, vol->project, (int)(slash - name), name,
                           slash + 1);
    if (n < 0 || (size_t)n >= len) return lxdp_error_set(err, LXDP_E_INVAL, "volume name too long");
    return LXDP_OK;
}

/* The directory holding a volume's snapshots. */
static lxdp_status snapshots_path(const memfs_pool *p, const lxdp_volume *vol, const char *name, char *path,
                                  size_t len, lxdp_error *err) {
    char snap[1024];
    snprintf(snap, sizeof snap, "%s/x", name);
    lxdp_status rc = volume_path(p, vol, snap, path, len, err);
    if (rc == LXDP_OK) *strrchr(path, '/') = '\0';
    return rc;
}

/* Runs a command through the host; a non-zero exit is an I/O error. */
static lxdp_status run(const char *const *argv, lxdp_op *op, lxdp_error *err) {
    lxdp_command cmd = {.struct_size = sizeof cmd, .argv = argv};
    int32_t status = 0;
    lxdp_status rc = g_host->run_command(g_host->host, &cmd, op, &status, err);
    if (rc == LXDP_OK && status != 0) return lxdp_error_set(err, LXDP_E_IO, "%s exited with %d", argv[0], status);
    return rc;
}

static lxdp_status remove_tree(const char *path, lxdp_op *op, lxdp_error *err) {
    const char *argv[] = {"rm", "-rf", "--one-file-system", "--", path, NULL};
    return run(argv, op, err);
}

/* Copies the tree src to dst, which must not exist yet; on failure nothing is left at dst. */
static lxdp_status copy_tree(const char *src, const char *dst, lxdp_op *op, lxdp_error *err) {
    struct stat st;
    if (stat(src, &st) != 0) return lxdp_error_set(err, LXDP_E_NOTFOUND, "%s: %s", src, strerror(errno));
    if (lstat(dst, &st) == 0) return lxdp_error_set(err, LXDP_E_EXISTS, "%s exists already", dst);
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", dst);
    *strrchr(parent, '/') = '\0';
    const char *mkdir_argv[] = {"mkdir", "-p", "--", parent, NULL};
    const char *cp_argv[] = {"cp", "-a", "--", src, dst, NULL};
    lxdp_status rc = run(mkdir_argv, op, err);
    if (rc == LXDP_OK && (rc = run(cp_argv, op, err)) != LXDP_OK) {
        lxdp_error ignored = {.struct_size = sizeof ignored};
        remove_tree(dst, NULL, &ignored);
    }
    return rc;
}

static lxdp_status volume_create(void *pool, const lxdp_volume *vol, const lxdp_filler *filler, lxdp_op *op,
                                 lxdp_error *err) {
    char path[4096];
    lxdp_status rc = volume_path(pool, vol, NULL, path, sizeof path, err);
    if (rc != LXDP_OK) return rc;
    if (strchr(vol->name, '/') != NULL) return lxdp_error_set(err, LXDP_E_INVAL, "a snapshot is made, not created");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    if (mkdir(dir, 0711) != 0 && errno != EEXIST)
        return lxdp_error_set(err, LXDP_E_IO, "create %s: %s", dir, strerror(errno));
    if (mkdir(path, vol->type == LXDP_VOLUME_IMAGE ? 0700 : 0711) != 0)
        return lxdp_error_set(err, errno == EEXIST ? LXDP_E_EXISTS : LXDP_E_IO, "create %s: %s", path, strerror(errno));
    if (filler != NULL && (rc = filler->fill(filler->ctx, path, op, err)) != LXDP_OK) {
        lxdp_error ignored = {.struct_size = sizeof ignored};
        remove_tree(path, NULL, &ignored);
    }
    return rc;
}

static lxdp_status volume_copy(void *pool, const lxdp_volume *dst, const lxdp_volume *src, lxdp_op *op,
                               lxdp_error *err) {
    char from[4096], to[4096];
    lxdp_status rc = volume_path(pool, src, NULL, from, sizeof from, err);
    if (rc == LXDP_OK) rc = volume_path(pool, dst, NULL, to, sizeof to, err);
    return rc != LXDP_OK ? rc : copy_tree(from, to, op, err);
}

static lxdp_status volume_snapshot(void *pool, const lxdp_volume *snap, lxdp_op *op, lxdp_error *err) {
    const char *slash = strchr(snap->name, '/');
    if (slash == NULL) return lxdp_error_set(err, LXDP_E_INVAL, "\"%s\" is not parent/snapshot", snap->name);
    char parent_name[1024], from[4096], to[4096];
    snprintf(parent_name, sizeof parent_name, "%.*s", (int)(slash - snap->name), snap->name);
    lxdp_status rc = volume_path(pool, snap, parent_name, from, sizeof from, err);
    if (rc == LXDP_OK) rc = volume_path(pool, snap, NULL, to, sizeof to, err);
    return rc != LXDP_OK ? rc : copy_tree(from, to, op, err);
}

/* Copies the snapshot aside first, so a failed copy leaves the volume as it was. */
static lxdp_status volume_restore(void *pool, const lxdp_volume *vol, const lxdp_volume *snap, lxdp_op *op,
                                  lxdp_error *err) {
    char path[4096], from[4096], staged[4200];
    lxdp_status rc = volume_path(pool, vol, NULL, path, sizeof path, err);
    if (rc == LXDP_OK) rc = volume_path(pool, snap, NULL, from, sizeof from, err);
    if (rc != LXDP_OK) return rc;
    snprintf(staged, sizeof staged, "%s.restoring", path);
    if ((rc = copy_tree(from, staged, op, err)) != LXDP_OK) return rc;
    if ((rc = remove_tree(path, op, err)) != LXDP_OK) return rc;
    if (rename(staged, path) != 0) return lxdp_error_set(err, LXDP_E_IO, "rename %s: %s", staged, strerror(errno));
    return LXDP_OK;
}

static lxdp_status volume_rename(void *pool, const lxdp_volume *vol, const char *new_name, lxdp_error *err) {
    char from[4096], to[4096];
    lxdp_status rc = volume_path(pool, vol, NULL, from, sizeof from, err);
    if (rc == LXDP_OK) rc = volume_path(pool, vol, new_name, to, sizeof to, err);
    if (rc != LXDP_OK) return rc;
    struct stat st;
    if (lstat(to, &st) == 0) return lxdp_error_set(err, LXDP_E_EXISTS, "%s exists already", new_name);
    if (rename(from, to) != 0)
        return lxdp_error_set(err, errno == ENOENT ? LXDP_E_NOTFOUND : LXDP_E_IO, "rename %s: %s", from, strerror(errno));
    if (strchr(vol->name, '/') != NULL) return LXDP_OK;
    /* A volume takes its snapshots along. */
    if ((rc = snapshots_path(pool, vol, vol->name, from, sizeof from, err)) != LXDP_OK ||
        (rc = snapshots_path(pool, vol, new_name, to, sizeof to, err)) != LXDP_OK)
        return rc;
    if (rename(from, to) != 0 && errno != ENOENT)
        return lxdp_error_set(err, LXDP_E_IO, "rename %s: %s", from, strerror(errno));
    return LXDP_OK;
}

static lxdp_status volume_delete(void *pool, const lxdp_volume *vol, lxdp_op *op, lxdp_error *err) {
    char path[4096];
    lxdp_status rc = volume_path(pool, vol, NULL, path, sizeof path, err);
    if (rc != LXDP_OK || (rc = remove_tree(path, op, err)) != LXDP_OK || strchr(vol->name, '/') != NULL) return rc;
    if ((rc = snapshots_path(pool, vol, vol->name, path, sizeof path, err)) != LXDP_OK) return rc;
    return remove_tree(path, op, err);
}

static lxdp_status volume_mount(void *pool, const lxdp_volume *vol, char *out, size_t out_len, lxdp_error *err) {
    char path[4096];
    struct stat st;
    lxdp_status rc = volume_path(pool, vol, NULL, path, sizeof path, err);
    if (rc != LXDP_OK) return rc;
    if (stat(path, &st) != 0) return lxdp_error_set(err, LXDP_E_NOTFOUND, "volume %s: %s", vol->name, strerror(errno));
    snprintf(out, out_len, "%s", path);
    return LXDP_OK;
}

static lxdp_status volume_unmount(void *pool, const lxdp_volume *vol, lxdp_error *err) {
    (void)pool;
    (void)vol;
    (void)err;
    return LXDP_OK;
}

static _Thread_local uint64_t g_usage; /* nftw takes no context */

static int add_usage(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)path;
    (void)flag;
    (void)ftw;
    g_usage += (uint64_t)st->st_blocks * 512u;
    return 0;
}

static lxdp_status volume_usage(void *pool, const lxdp_volume *vol, uint64_t *used, lxdp_error *err) {
    char path[4096];
    lxdp_status rc = volume_path(pool, vol, NULL, path, sizeof path, err);
    if (rc != LXDP_OK) return rc;
    g_usage = 0;
    if (nftw(path, add_usage, 16, FTW_PHYS) != 0)
        return lxdp_error_set(err, LXDP_E_NOTFOUND, "volume %s: %s", vol->name, strerror(errno));
    *used = g_usage;
    return LXDP_OK;
}

/* tmpfs has no per-directory quota: only "no size" is accepted. */
static lxdp_status volume_set_size(void *pool, const lxdp_volume *vol, const char *size, lxdp_error *err) {
    (void)pool;
    (void)vol;
    if (size == NULL || size[0] == '\0' || strcmp(size, "0") == 0) return LXDP_OK;
    return lxdp_error_set(err, LXDP_E_NOTSUP, "memfs volumes have no size limit of their own");
}

static const lxdp_storage_ops memfs_ops = {
    .struct_size = sizeof(lxdp_storage_ops),
    .info = info,
    .probe = probe,
    .pool_validate = pool_validate,
    .pool_open = pool_open,
    .pool_close = pool_close,
    .pool_create = pool_create,
    .pool_delete = pool_delete,
    .pool_mount = pool_mount,
    .pool_unmount = pool_unmount,
    .pool_usage = pool_usage,
    .volume_create = volume_create,
    .volume_copy = volume_copy,
    .volume_delete = volume_delete,
    .volume_rename = volume_rename,
    .volume_snapshot = volume_snapshot,
    .volume_restore = volume_restore,
    .volume_mount = volume_mount,
    .volume_unmount = volume_unmount,
    .volume_usage = volume_usage,
    .volume_set_size = volume_set_size,
};

static const lxdp_component memfs_components[] = {
    {.struct_size = sizeof(lxdp_component), .kind = LXDP_COMPONENT_STORAGE, .name = "memfs", .ops = &memfs_ops},
};

static const lxdp_plugin_info memfs_plugin = {
    .struct_size = sizeof(lxdp_plugin_info),
    .abi_major = LXDP_ABI_MAJOR,
    .abi_minor = LXDP_ABI_MINOR,
    .min_host_minor = 0,
    .name = "storage-memfs",
    .version = "1.0",
    .license = "Apache-2.0",
    .description = "storage pools in memory (tmpfs); an out-of-tree example",
    .n_components = 1,
    .reserved = 0,
    .components = memfs_components,
};

LXDP_EXPORT lxdp_status lxdp_plugin_entry_v1(const lxdp_host_api *host, const lxdp_plugin_info **info,
                                             lxdp_error *err) {
    (void)err;
    g_host = host;
    *info = &memfs_plugin;
    return LXDP_OK;
}
