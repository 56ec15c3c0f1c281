#!/bin/bash
# btrfs pools with the real client: a loop-file pool, a container on it, its subvolume, a root
# disk quota that stops writes inside the container, a restart, and a delete that leaves no mount
# and no loop device behind.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

skip_without_btrfs

export LXD_PLUGIN_PATH=$PLUGINS
export LXD_CONF=$WORK/client
start_daemon
POOL=$LXD_DIR/storage-pools/p
IMG=$LXD_DIR/disks/p.img

no_loop_on() { ! losetup -j "$1" | grep -q .; }
mounted() { findmnt -n "$1" >/dev/null; }

expect pool-create lxc storage create p btrfs size=1GiB
expect pool-sparse-loop-file bash -c "[ \$(stat -c %s '$IMG') = 1073741824 ] && [ \$(du -k '$IMG' | cut -f1) -lt 524288 ]"
expect pool-mounted bash -c "findmnt -n -o FSTYPE '$POOL' | grep -qx btrfs"
expect pool-mount-options bash -c "findmnt -n -o OPTIONS '$POOL' | grep -q user_subvol_rm_allowed"
expect pool-loop-device bash -c "losetup -j '$IMG' | grep -q loop"
expect pool-bad-size-refused bash -c "! lxc storage create q btrfs size=lots && ! lxc storage show q"
expect pool-resources bash -c "api GET /1.0/storage-pools/p/resources | grep -q '\"total\":[1-9]'"

"$here/../../scripts/make-busybox-image.sh" "$WORK/bb.tar.gz" >/dev/null
lxc image import "$WORK/bb.tar.gz" --alias busybox >/dev/null 2>&1
lxc profile device add default root disk path=/ pool=p >/dev/null 2>&1
expect launch-on-btrfs lxc launch busybox c -s p
expect root-is-subvolume bash -c "btrfs subvolume list '$POOL' | grep -q ' path containers/c\$'"
expect container-runs bash -c "lxc exec c -- true"

# The quota: a root disk size on an instance that takes its root disk from the profile
# (`override`), then stops writes beyond it inside the container.
expect launch-with-profile-root lxc launch busybox d
expect quota-set lxc config device override d root size=50MiB
expect quota-in-qgroup bash -c "btrfs qgroup show -re --raw -f '$POOL/containers/d' | grep -q ' 52428800 '"
expect quota-stops-writes bash -c "! lxc exec d -- dd if=/dev/urandom of=/big bs=1M count=80 2>/dev/null"
expect quota-shrink-below-usage-refused bash -c "! lxc config device set d root size=1MiB && [ \"\$(lxc config device get d root size)\" = 50MiB ]"
expect quota-lifted bash -c "lxc exec d -- rm -f /big && lxc config device unset d root size && lxc exec d -- dd if=/dev/zero of=/big bs=1M count=80 2>/dev/null && lxc exec d -- rm /big"
expect delete-d lxc delete -f d

stop_daemon
start_daemon
expect pool-survives-restart bash -c "findmnt -n -o FSTYPE '$POOL' | grep -qx btrfs && lxc exec c -- true"

# A backup with snapshots leaves btrfs and comes back onto it: the snapshots as read-only
# subvolumes with their own content.
lxc exec c -- sh -c 'echo s0 > /root/state' && lxc snapshot c s0 >/dev/null
lxc exec c -- sh -c 'echo now > /root/state'
expect backup-export lxc export c "$WORK/c.tar.gz"
expect backup-import lxc import "$WORK/c.tar.gz" e -s p
expect backup-snapshot-subvolume bash -c "btrfs subvolume list '$POOL' | grep -q ' path containers-snapshots/e/s0\$' && [ \"\$(btrfs property get '$POOL/containers-snapshots/e/s0' ro)\" = ro=true ]"
expect backup-imported-content bash -c "lxc start e && [ \"\$(lxc exec e -- cat /root/state)\" = now ]"
expect backup-restore-snapshot bash -c "lxc restore e s0 && [ \"\$(lxc exec e -- cat /root/state)\" = s0 ]"
expect backup-import-delete lxc delete -f e

expect instance-delete lxc delete -f c
expect subvolume-gone bash -c "! btrfs subvolume list '$POOL' | grep -q 'containers/c\$'"
lxc profile device remove default root >/dev/null 2>&1
lxc image delete busybox >/dev/null 2>&1
expect pool-delete lxc storage delete p
expect pool-unmounted bash -c "! mounted '$POOL' && [ ! -e '$POOL' ]"
expect no-loop-device bash -c "! losetup -a | grep -q '$IMG'"
expect image-file-removed test ! -e "$IMG"
