#!/bin/bash
# Custom volumes beyond create/copy/snapshot, with the real client, on a dir pool and on a btrfs
# loop pool (when the kernel and btrfs-progs allow): the volume state (lxc storage volume info:
# usage, total, snapshots).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

HAVE_BTRFS=1
if ! grep -qw btrfs /proc/filesystems || ! command -v mkfs.btrfs >/dev/null || ! command -v btrfs >/dev/null; then
  echo "note: btrfs is not usable here (kernel support and btrfs-progs are needed): dir pool only"
  HAVE_BTRFS=0
fi

# Whatever happens, no mount and no loop device of this test stays behind.
cleanup_storage() {
  stop_daemon
  findmnt -rn -o TARGET | grep "^$WORK/" | sort -r | while read -r m; do umount -l "$m"; done
  for img in "$LXD_DIR"/disks/*.img; do
    [[ -e $img ]] && losetup -j "$img" | cut -d: -f1 | while read -r dev; do losetup -d "$dev"; done
  done
  finish
}
trap cleanup_storage EXIT

export LXD_PLUGIN_PATH=$PLUGINS
export LXD_CONF=$WORK/client
start_daemon

pools=(sd)
expect dir-pool-create lxc storage create sd dir
if [[ $HAVE_BTRFS == 1 ]]; then
  pools+=(sb)
  expect btrfs-pool-create lxc storage create sb btrfs size=1GiB
fi

# The path of a custom volume of the default project on pool $1.
volume_dir() { echo "$LXD_DIR/storage-pools/$1/custom/default_$2"; }
export -f volume_dir

# ---- State: GET .../state and lxc storage volume info -----------------------------------------
check_state() {
  local p=$1
  lxc storage volume create "$p" st >/dev/null
  head -c 3000000 /dev/urandom >"$(volume_dir "$p" st)/blob"
  expect "$p-state-used" bash -c "api GET /1.0/storage-pools/$p/volumes/custom/st/state | python3 -c 'import json,sys; u=json.load(sys.stdin)[\"metadata\"][\"usage\"]; sys.exit(not (u[\"used\"] >= 3000000 and u[\"total\"] == 0))'"
  lxc storage volume set "$p" st size=64MiB
  expect "$p-state-total" bash -c "api GET /1.0/storage-pools/$p/volumes/custom/st/state | grep -q '\"total\":67108864'"
  lxc storage volume snapshot "$p" st first >/dev/null
  expect "$p-info" bash -c "lxc storage volume info $p st >$WORK/info && grep -q '^Name: st' $WORK/info && grep -q '^Type: custom' $WORK/info && grep -q '^Content type: filesystem' $WORK/info && grep -Eq '^Usage: (2|3)\.[0-9]+MiB' $WORK/info && grep -q '^Total: 64.00MiB' $WORK/info && grep -q '| first ' $WORK/info || { cat $WORK/info; false; }"
  expect "$p-state-missing-404" bash -c "[ \"\$(status_of GET /1.0/storage-pools/$p/volumes/custom/none/state)\" = 404 ]"
  expect "$p-state-image-type-400" bash -c "[ \"\$(status_of GET /1.0/storage-pools/$p/volumes/image/st/state)\" = 400 ]"
  expect "$p-state-bad-type-400" bash -c "[ \"\$(status_of GET /1.0/storage-pools/$p/volumes/nosuch/st/state)\" = 400 ]"
  lxc storage volume delete "$p" st >/dev/null
}
check_state sd
expect state-missing-pool-404 bash -c "[ \"\$(status_of GET /1.0/storage-pools/nopool/volumes/custom/st/state)\" = 404 ]"
[[ $HAVE_BTRFS == 1 ]] && check_state sb

for p in "${pools[@]}"; do expect "$p-pool-delete" lxc storage delete "$p"; done
