#!/bin/bash
# Instance backups between this daemon and upstream LXD 5.0.2 (Debian's lxd package), both ways: a
# container with two snapshots of different content, exported by one daemon and imported by the
# other, is listed with its snapshots, starts with its own content and restores each snapshot's;
# then the same with optimized backups of btrfs pools (btrfs send streams).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/upstream_lxd.sh"

export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base

start_upstream
expect upstream-setup bash -c "upstream storage create default dir >/dev/null && upstream profile device add default root disk path=/ pool=default >/dev/null && upstream image import '$WORK/bb.tar.gz' --alias bb >/dev/null"

export LAUNCH_ARGS EXPORT_ARGS

# round_trip FROM TO NAME: a container with snapshots made on FROM's daemon, exported, imported by
# TO's; TO lists the snapshots, starts it with its own content and restores each snapshot's.
round_trip() {
  local from=$1 to=$2 name=$3
  expect "$from-make" make_with_snapshots "$from" "$name"
  expect "$from-export" "$from" export "$name" "$WORK/$name.tar.gz" ${EXPORT_ARGS:-}
  expect "$to-import" "$to" import "$WORK/$name.tar.gz"
  arrived "$to-imported" "$to" "$name"
  "$from" delete -f "$name" >/dev/null 2>&1
  "$to" delete -f "$name" >/dev/null 2>&1
}

round_trip ours upstream a1
round_trip upstream ours b1

# Optimized backups of btrfs pools (btrfs send streams, upstream's backup/container.bin and
# backup/snapshots/<name>.bin), both ways, each daemon on a btrfs pool "bt" of its own.
if grep -qw btrfs /proc/filesystems && command -v mkfs.btrfs >/dev/null; then
  expect btrfs-pools bash -c "ours storage create bt btrfs size=1GiB >/dev/null && upstream storage create bt btrfs size=1GiB >/dev/null"
  LAUNCH_ARGS="-s bt" EXPORT_ARGS=--optimized-storage
  expect optimized-layout bash -c "ours launch bb o0 -s bt >/dev/null && ours snapshot o0 s0 && ours export o0 '$WORK/o0.tar.gz' --optimized-storage && tar -tzf '$WORK/o0.tar.gz' | grep -qx backup/snapshots/s0.bin && ours delete -f o0"
  round_trip ours upstream a2
  round_trip upstream ours b2
  LAUNCH_ARGS= EXPORT_ARGS=
  expect btrfs-pools-delete bash -c "ours storage delete bt && upstream storage delete bt"
fi
