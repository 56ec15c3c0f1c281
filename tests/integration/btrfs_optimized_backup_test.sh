#!/bin/bash
# Optimized backups on btrfs (lxc export --optimized-storage), laid out as upstream LXD 5.0's:
# backup/index.yaml saying optimized, backup/optimized_header.yaml, backup/snapshots/<name>.bin
# (btrfs send streams, each after the first the difference from the one before) and
# backup/container.bin. They import into a btrfs pool (btrfs receive) with their snapshots
# read-only and the volume writable, and are refused cleanly (400, nothing made) by a dir pool.
# A dir pool's container asked for optimized storage gets a plain tarball, as upstream's.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

skip_without_btrfs
trap cleanup_storage EXIT

export LXD_PLUGIN_PATH=$PLUGINS
export LXD_CONF=$WORK/client
start_daemon
P=$LXD_DIR/storage-pools/p

expect pools-create bash -c "lxc storage create p btrfs size=1GiB && lxc storage create d dir"
"$here/../../scripts/make-busybox-image.sh" "$WORK/bb.tar.gz" >/dev/null
lxc image import "$WORK/bb.tar.gz" --alias busybox >/dev/null 2>&1
lxc profile device add default root disk path=/ pool=p >/dev/null 2>&1

lxc init busybox c -s p >/dev/null
lxc file push - c/root/state <<<"s0" >/dev/null && lxc snapshot c s0 >/dev/null
lxc file push - c/root/state <<<"s1" >/dev/null && lxc snapshot c s1 >/dev/null
lxc file push - c/root/state <<<"now" >/dev/null

expect export-optimized lxc export c "$WORK/opt.tar.gz" --optimized-storage
mkdir -p "$WORK/x" && tar -xzf "$WORK/opt.tar.gz" -C "$WORK/x"
expect layout bash -c "cd '$WORK/x/backup' && [ -f container.bin ] && [ -f snapshots/s0.bin ] && [ -f snapshots/s1.bin ] && [ -f optimized_header.yaml ] && [ ! -e container ]"
expect index-optimized bash -c "grep -qx 'optimized: true' '$WORK/x/backup/index.yaml' && grep -qx 'optimized_header: true' '$WORK/x/backup/index.yaml' && grep -qx 'backend: btrfs' '$WORK/x/backup/index.yaml'"
expect header-subvolumes bash -c "grep -c 'path: /' '$WORK/x/backup/optimized_header.yaml' | grep -qx 3"
expect streams-are-btrfs bash -c "head -c 12 '$WORK/x/backup/container.bin' | grep -q btrfs-stream"
expect streams-incremental bash -c "btrfs receive --dump -f '$WORK/x/backup/snapshots/s1.bin' | head -1 | grep -q 'snapshot.*parent_uuid' && btrfs receive --dump -f '$WORK/x/backup/container.bin' | head -1 | grep -q 'snapshot.*parent_uuid'"
expect backup-record-optimized bash -c "lxc query -X POST /1.0/instances/c/backups -d '{\"name\":\"b1\",\"optimized_storage\":true}' >/dev/null && sleep 2 && lxc query /1.0/instances/c/backups/b1 | grep -q '\"optimized_storage\": true'"

expect import-optimized lxc import "$WORK/opt.tar.gz" e -s p
expect import-snapshots-readonly bash -c "[ \"\$(btrfs property get '$P/containers-snapshots/e/s0' ro)\" = ro=true ] && [ \"\$(btrfs property get '$P/containers-snapshots/e/s1' ro)\" = ro=true ] && [ \"\$(btrfs property get '$P/containers/e' ro)\" = ro=false ]"
expect import-received bash -c "btrfs subvolume show '$P/containers-snapshots/e/s1' | grep -q 'Received UUID:[[:space:]]*[0-9a-f]'"
expect import-content bash -c "[ \"\$(lxc file pull e/root/state -)\" = now ] && lxc start e && lxc exec e -- true && lxc stop -f e"
expect import-restore-snapshots bash -c "lxc restore e s0 && [ \"\$(lxc file pull e/root/state -)\" = s0 ] && lxc restore e s1 && [ \"\$(lxc file pull e/root/state -)\" = s1 ]"
expect import-scratch-gone bash -c "! ls -a '$LXD_DIR/backups' | grep -q '^\\.streams' && ! ls -a '$P/containers' | grep -q '^\\.receive'"

expect import-into-dir-refused bash -c "! lxc import '$WORK/opt.tar.gz' f -s d 2>'$WORK/err' && grep -q 'cannot be imported into storage pool' '$WORK/err' && ! lxc info f >/dev/null 2>&1"

expect instance-only-optimized bash -c "lxc export c '$WORK/only.tar.gz' --optimized-storage --instance-only && tar -tzf '$WORK/only.tar.gz' | grep -qx 'backup/container.bin' && ! tar -tzf '$WORK/only.tar.gz' | grep -q snapshots/ && lxc import '$WORK/only.tar.gz' g -s p && [ \"\$(lxc file pull g/root/state -)\" = now ]"

# A dir pool has no streams: a plain tarball, as upstream's dir driver makes.
lxc init busybox dc -s d >/dev/null
expect dir-optimized-is-plain bash -c "lxc export dc '$WORK/dir.tar.gz' --optimized-storage && tar -xzOf '$WORK/dir.tar.gz' backup/index.yaml | grep -qx 'optimized: false' && tar -tzf '$WORK/dir.tar.gz' | grep -q '^backup/container/rootfs'"

expect cleanup bash -c "for i in c e g dc; do lxc delete -f \$i || exit 1; done; lxc image delete busybox"
expect pools-delete bash -c "lxc profile device remove default root >/dev/null && lxc storage delete p && lxc storage delete d"
