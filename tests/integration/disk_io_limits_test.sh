#!/bin/bash
# Disk I/O limits (limits.read, limits.write, limits.max: bytes/s or iops) of a real container:
# throttles in its cgroup (v1 blkio.throttle.*, cgroup2 io.max) for the block device under the
# disk, the root disk of a dir pool (the device of the filesystem holding it) and a disk on a
# btrfs loop pool (its loop device), at start and changed live; bad values refused with 400 and
# nothing changed.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
trap 'lxc delete -f io1 >/dev/null 2>&1; lxc storage volume delete bp v >/dev/null 2>&1; lxc storage delete bp >/dev/null 2>&1; cleanup_storage' EXIT
start_daemon
setup_base

# The block device of the dir pool's filesystem, as the kernel names it ("major:minor", the
# whole disk of a partition).
devno=$(mountpoint -d "$(df --output=target "$LXD_DIR/storage-pools/default" | tail -1)")
if [ -e "/sys/dev/block/$devno/partition" ]; then devno=$(cat "/sys/dev/block/$devno/../dev"); fi
export devno

# The container's throttle file for ITEM (v1: blkio.throttle.ITEM, cgroup2: io.max).
V2=0; [ -e /sys/fs/cgroup/cgroup.controllers ] && V2=1
export V2
throttle() { # throttle read_bps_device|write_bps_device|read_iops_device|write_iops_device
  local pid; pid=$(api GET /1.0/instances/io1/state | python3 -c 'import json, sys; print(json.load(sys.stdin)["metadata"]["pid"])')
  if [ "$V2" = 1 ]; then cat "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")/io.max"
  else cat "/sys/fs/cgroup/blkio$(sed -n 's/^[0-9]*:blkio://p' "/proc/$pid/cgroup")/blkio.throttle.$1"; fi
}
export -f throttle
have_io=1
if [ "$V2" = 1 ]; then grep -qw io /sys/fs/cgroup/cgroup.controllers || have_io=0
else [ -d /sys/fs/cgroup/blkio ] || have_io=0; fi

expect bad-value-refused bash -c "lxc init bb io1 >/dev/null && ! lxc config device override io1 root limits.read=fast 2>$WORK/err && grep -q 'limits.read' $WORK/err && ! lxc config show io1 --expanded | grep -q 'limits.read'"
expect bad-value-400 bash -c "[ \$(status_of PATCH /1.0/instances/io1 '{\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"default\",\"limits.max\":\"12iopsx\"}}}') = 400 ]"
expect keys-written bash -c "lxc config device override io1 root limits.read=10MB limits.write=100iops && lxc config device get io1 root limits.read | grep -qx 10MB"
expect start lxc start io1

if [ $have_io = 0 ]; then
  echo "skip io throttles: this kernel has no io/blkio controller for the container cgroups (keys are validated and recorded only)"
  exit 0
fi

if [ "$V2" = 1 ]; then
  expect start-throttles bash -c "throttle | grep -qx '$devno rbps=10000000 wbps=max riops=max wiops=100'"
else
  expect start-read-bps bash -c "throttle read_bps_device | grep -qx '$devno 10000000'"
  expect start-write-iops bash -c "throttle write_iops_device | grep -qx '$devno 100'"
fi

# Live: a new rate, limits.max over both directions, then none at all.
expect live-change lxc config device set io1 root limits.read=20MB
if [ "$V2" = 1 ]; then
  expect live-changed bash -c "throttle | grep -qx '$devno rbps=20000000 wbps=max riops=max wiops=100'"
else
  expect live-changed bash -c "throttle read_bps_device | grep -qx '$devno 20000000' && throttle write_iops_device | grep -qx '$devno 100'"
fi
expect live-max bash -c "lxc config device unset io1 root limits.read && lxc config device unset io1 root limits.write && lxc config device set io1 root limits.max=5MB"
if [ "$V2" = 1 ]; then
  expect live-max-both bash -c "throttle | grep -qx '$devno rbps=5000000 wbps=5000000 riops=max wiops=max'"
else
  expect live-max-both bash -c "throttle read_bps_device | grep -qx '$devno 5000000' && throttle write_bps_device | grep -qx '$devno 5000000' && ! throttle write_iops_device | grep -q ."
fi
expect live-bad-refused bash -c "! lxc config device set io1 root limits.max=5XB 2>$WORK/err && lxc config device get io1 root limits.max | grep -qx 5MB"
expect live-unset bash -c "lxc config device unset io1 root limits.max && if [ $V2 = 1 ]; then ! throttle | grep -q '^$devno'; else ! throttle read_bps_device | grep -q . && ! throttle write_bps_device | grep -q .; fi"

# A custom volume on a btrfs loop pool: its loop device is throttled, beside the root disk's.
if grep -qw btrfs /proc/filesystems && command -v mkfs.btrfs >/dev/null; then
  expect btrfs-volume bash -c "lxc storage create bp btrfs size=256MiB >/dev/null && lxc storage volume create bp v >/dev/null && lxc config device add io1 v disk pool=bp source=v path=/v limits.write=3MB"
  loopdev=$(losetup -j "$LXD_DIR/disks/bp.img" | cut -d: -f1)
  loopno=$(lsblk -dno MAJ:MIN "$loopdev" | tr -d ' ')
  if [ "$V2" = 1 ]; then
    expect btrfs-loop-throttled bash -c "throttle | grep -qx '$loopno rbps=max wbps=3000000 riops=max wiops=max'"
  else
    expect btrfs-loop-throttled bash -c "throttle write_bps_device | grep -qx '$loopno 3000000'"
  fi
  expect btrfs-volume-remove bash -c "lxc config device remove io1 v && lxc storage volume delete bp v && if [ $V2 = 1 ]; then ! throttle | grep -q '^$loopno'; else ! throttle write_bps_device | grep -q .; fi"
else
  echo "skip btrfs loop pool throttle: btrfs is not usable here"
fi

expect delete lxc delete -f io1
