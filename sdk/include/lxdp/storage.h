/* SPDX-License-Identifier: Apache-2.0
 *
 * Storage drivers (component kind LXDP_COMPONENT_STORAGE).
 *
 * The host owns pools and volumes as records, the locks and the mount reference counts; a driver
 * implements idempotent primitives on one backend. Volumes live where the driver says (a driver
 * returns each volume's mount path from volume_mount); the host never guesses backend paths.
 */
#ifndef LXDP_STORAGE_H
#define LXDP_STORAGE_H

#include "abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Storage status codes: -100..-199. */
#define LXDP_E_STORAGE_CANNOT_SHRINK (-100)
#define LXDP_E_STORAGE_HAS_SNAPSHOTS (-101)

/* Volume types, numbered as upstream's database. */
#define LXDP_VOLUME_CONTAINER 0u
#define LXDP_VOLUME_IMAGE 1u
#define LXDP_VOLUME_CUSTOM 2u
#define LXDP_VOLUME_VM 3u

#define LXDP_CONTENT_FILESYSTEM 0u
#define LXDP_CONTENT_BLOCK 1u
/* A block volume is a disk (for virtual machines). A driver that has none refuses to create one
 * with LXDP_E_NOTSUP. On a block volume, volume_set_size sets the disk's size whatever
 * LXDP_STORAGE_QUOTAS says: growing keeps the data, a smaller size is refused with
 * LXDP_E_STORAGE_CANNOT_SHRINK; "" or "0" means the driver's default size. */

/* Capability flags of lxdp_storage_info.flags. */
#define LXDP_STORAGE_REMOTE (1u << 0)           /* shared between cluster members */
#define LXDP_STORAGE_OPTIMIZED_IMAGES (1u << 1) /* image volumes worth keeping and cloning */
#define LXDP_STORAGE_FAST_SNAPSHOTS (1u << 2)   /* snapshots and copies are cheap */
#define LXDP_STORAGE_BLOCK_BACKED (1u << 3)
/* @since 1.0: volume_set_size enforces the size (writes beyond it fail) and refuses a size below
 * the volume's usage with LXDP_E_STORAGE_CANNOT_SHRINK. Without it, volume_set_size refuses any
 * size but "" and "0" with LXDP_E_NOTSUP. */
#define LXDP_STORAGE_QUOTAS (1u << 4)
/* @since 1.3: volume_send and volume_receive move volumes between two pools of this driver as the
 * backend's own stream (btrfs: a btrfs send stream), which keeps what a file copy loses (shared
 * extents, holes) and lets snapshots go as differences. Without it the host copies files. */
#define LXDP_STORAGE_SEND_RECEIVE (1u << 5)

typedef struct lxdp_storage_info {
    uint32_t struct_size;
    uint32_t flags;        /* LXDP_STORAGE_* */
    const char *version;   /* backend version shown as storage_version, e.g. "1" */
} lxdp_storage_info;

typedef struct lxdp_volume {
    uint32_t struct_size;
    uint32_t type;               /* LXDP_VOLUME_* */
    uint32_t content;            /* LXDP_CONTENT_* */
    uint32_t reserved;
    const char *project;         /* "default" */
    const char *name;            /* "c1"; a snapshot is "c1/snap0"; an image is its fingerprint */
    const lxdp_kv_list *config;  /* volume config (may be NULL) */
} lxdp_volume;

/* Fills a freshly created, mounted volume (the host unpacks an image into it, for example). */
typedef struct lxdp_filler {
    uint32_t struct_size;
    uint32_t reserved;
    lxdp_status (*fill)(void *ctx, const char *mount_path, lxdp_op *op, lxdp_error *err);
    void *ctx;
} lxdp_filler;

/* @since 1.1: receives the volumes volume_list finds, one call each. vol and its strings are
 * borrowed for the call only (the host copies them); vol->config is NULL. */
typedef struct lxdp_volume_sink {
    uint32_t struct_size;
    uint32_t reserved;
    void (*add)(void *ctx, const lxdp_volume *vol);
    void *ctx;
} lxdp_volume_sink;

typedef struct lxdp_storage_ops {
    uint32_t struct_size;

    /* Discovery. Static, valid until unload. */
    const lxdp_storage_info *(*info)(void);
    /* LXDP_OK when the backend can work on this machine, else why not (missing tool, module). */
    lxdp_status (*probe)(const lxdp_host_api *host, lxdp_error *err);

    /* Checks the driver's keys of a pool config (the host has checked the common ones, among them
     * "volume.<key>" defaults of the volume keys every driver shares, such as volume.size or
     * volume.security.shifted; a driver accepts those and checks only "volume.<driver>.*"). */
    lxdp_status (*pool_validate)(const lxdp_host_api *host, const lxdp_kv_list *config,
                                 lxdp_error *err);

    /* Opens a pool object. *pool receives a plugin-owned handle, released with pool_close. */
    lxdp_status (*pool_open)(const lxdp_host_api *host, const char *name,
                             const lxdp_kv_list *config, void **pool, lxdp_error *err);
    void (*pool_close)(void *pool);

    /* Creates the backend of a newly defined pool. Keys the driver fills in (e.g. "source") are
     * reported through config_out and stored by the host. On failure nothing is left behind. */
    lxdp_status (*pool_create)(void *pool, const lxdp_kv_sink *config_out, lxdp_error *err);
    /* Removes the backend of an empty pool. */
    lxdp_status (*pool_delete)(void *pool, lxdp_error *err);
    lxdp_status (*pool_mount)(void *pool, lxdp_error *err);
    lxdp_status (*pool_unmount)(void *pool, lxdp_error *err);
    lxdp_status (*pool_usage)(void *pool, uint64_t *used_bytes, uint64_t *total_bytes,
                              lxdp_error *err);

    /* Creates a volume; with filler not NULL, the volume is mounted, filled and unmounted before
     * returning. On failure the half-made volume is removed. */
    lxdp_status (*volume_create)(void *pool, const lxdp_volume *vol, const lxdp_filler *filler,
                                 lxdp_op *op, lxdp_error *err);
    /* Creates dst as a full copy of src (both in this pool). src may be a snapshot; dst may name
     * a snapshot ("c2/snap0") of an existing volume, which is how a volume is copied with its
     * snapshots. */
    lxdp_status (*volume_copy)(void *pool, const lxdp_volume *dst, const lxdp_volume *src,
                               lxdp_op *op, lxdp_error *err);
    lxdp_status (*volume_delete)(void *pool, const lxdp_volume *vol, lxdp_op *op, lxdp_error *err);
    /* Renames a volume and its snapshots with it; a snapshot is renamed within its parent
     * ("snap1" or "c1/snap1"). */
    lxdp_status (*volume_rename)(void *pool, const lxdp_volume *vol, const char *new_name,
                                 lxdp_error *err);
    /* Creates the snapshot named by snap->name ("parent/snapname") of its parent volume. */
    lxdp_status (*volume_snapshot)(void *pool, const lxdp_volume *snap, lxdp_op *op,
                                   lxdp_error *err);
    /* Restores vol to its snapshot snap->name. */
    lxdp_status (*volume_restore)(void *pool, const lxdp_volume *vol, const lxdp_volume *snap,
                                  lxdp_op *op, lxdp_error *err);
    /* Mounts (idempotent) and writes the mount path into path (snprintf semantics). */
    lxdp_status (*volume_mount)(void *pool, const lxdp_volume *vol, char *path, size_t path_len,
                                lxdp_error *err);
    lxdp_status (*volume_unmount)(void *pool, const lxdp_volume *vol, lxdp_error *err);
    lxdp_status (*volume_usage)(void *pool, const lxdp_volume *vol, uint64_t *used_bytes,
                                lxdp_error *err);
    /* Sets the size quota; an empty or "0" size removes it. */
    lxdp_status (*volume_set_size)(void *pool, const lxdp_volume *vol, const char *size,
                                   lxdp_error *err);

    /* ---- @since 1.1 (the host reads these only when struct_size covers them) ---------------- */

    /* Reports every volume of the mounted pool through out, each snapshot ("c1/snap0") after
     * its volume, with the type, content, project and name the host created it with; entries
     * the driver made for its own use (temporary copies) are left out. `lxd recover` compares
     * the list with the database to find volumes whose records were lost. */
    lxdp_status (*volume_list)(void *pool, const lxdp_volume_sink *out, lxdp_error *err);

    /* ---- @since 1.3: streams (LXDP_STORAGE_SEND_RECEIVE; the host reads these only when
     * struct_size covers them and the flag is set) ----------------------------------------------- */

    /* Writes vol (a volume, or a snapshot "c1/snap0") to fd, which the caller owns (a pipe or a
     * file), as one stream in the driver's own format. With parent not NULL (an older snapshot of
     * the same volume, already sent to where the stream goes) only the difference from parent is
     * written. A volume the driver cannot stream whole (btrfs: one holding nested subvolumes) is
     * refused with LXDP_E_NOTSUP before anything is written; the host then copies its files. */
    lxdp_status (*volume_send)(void *pool, const lxdp_volume *vol, const lxdp_volume *parent, int32_t fd,
                               lxdp_op *op, lxdp_error *err);
    /* Creates vol (absent) from a stream volume_send of this driver wrote, read from fd to its end.
     * A snapshot "c2/snap0" may be received before its volume "c2" exists (the oldest snapshot
     * comes first, the volume last). A stream sent with a parent needs the copy of that parent
     * received earlier in this pool. The received volume is writable and takes vol->config's size,
     * a received snapshot is read-only. On failure nothing of vol is left. */
    lxdp_status (*volume_receive)(void *pool, const lxdp_volume *vol, int32_t fd, lxdp_op *op, lxdp_error *err);
} lxdp_storage_ops;

#ifdef __cplusplus
}
#endif

#endif /* LXDP_STORAGE_H */
