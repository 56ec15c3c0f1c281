#!/bin/bash
# Copies kept up to date (lxc copy --refresh) and instances copied or moved between storage pools
# (lxc copy -s, lxc move -s), dir to btrfs and back, with the real client. A refused or failed
# move leaves the instance where it was and nothing of it on the other pool.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
dir=$LXD_DIR/storage-pools/default
snapshots() { api GET "/1.0/instances/$1/snapshots"; }
content() { cat "$1/rootfs/root/state"; }
export -f snapshots content

lxc init bb c1 >/dev/null 2>&1
echo one > "$dir/containers/c1/rootfs/root/state"
echo keep > "$dir/containers/c1/rootfs/root/same"
echo gone > "$dir/containers/c1/rootfs/root/removed"
lxc snapshot c1 snap0 >/dev/null 2>&1
lxc snapshot c1 snap1 >/dev/null 2>&1

# --refresh without a copy yet is a plain copy; with one, only what changed is brought over.
expect refresh-without-target-copies bash -c "lxc copy c1 c2 --refresh && snapshots c2 | grep -q '/snapshots/snap1\"' && [ \"\$(content '$dir/containers/c2')\" = one ]"
inode_before=$(stat -c %i "$dir/containers/c2/rootfs/root/same")
echo two > "$dir/containers/c1/rootfs/root/state"
rm "$dir/containers/c1/rootfs/root/removed"
lxc delete c1/snap0 >/dev/null 2>&1
lxc snapshot c1 snap2 >/dev/null 2>&1
lxc start c2 >/dev/null 2>&1
expect refresh-running-target-refused bash -c "! lxc copy c1 c2 --refresh 2>&1 && [ \"\$(content '$dir/containers/c2')\" = one ]"
lxc stop -f c2 >/dev/null 2>&1
expect refresh-from-itself-400 bash -c "[ \$(status_of POST /1.0/instances '{\"name\":\"c1\",\"source\":{\"type\":\"copy\",\"source\":\"c1/snap1\",\"refresh\":true}}') = 400 ]"
expect refresh lxc copy c1 c2 --refresh
expect refresh-content bash -c "[ \"\$(content '$dir/containers/c2')\" = two ] && [ ! -e '$dir/containers/c2/rootfs/root/removed' ]"
expect refresh-unchanged-file-untouched bash -c "[ \$(stat -c %i '$dir/containers/c2/rootfs/root/same') = $inode_before ]"
expect refresh-new-snapshot-copied bash -c "snapshots c2 | grep -q '/snapshots/snap2\"' && [ -d '$dir/containers-snapshots/c2/snap2' ]"
expect refresh-stale-snapshot-removed bash -c "! snapshots c2 | grep -q '/snapshots/snap0\"' && [ ! -e '$dir/containers-snapshots/c2/snap0' ]"
expect refresh-kept-snapshot bash -c "snapshots c2 | grep -q '/snapshots/snap1\"'"
expect refreshed-copy-starts bash -c "lxc start c2 && [ \"\$(lxc exec c2 -- cat /root/state)\" = two ] && lxc stop -f c2"
# The client refreshes from instances only; the API takes a snapshot as the source too.
expect refresh-from-snapshot bash -c "lxc query -X POST --wait -d '{\"name\":\"c2\",\"source\":{\"type\":\"copy\",\"source\":\"c1/snap1\",\"refresh\":true}}' /1.0/instances >/dev/null && [ \"\$(content '$dir/containers/c2')\" = one ]"
expect refresh-shift-follows-source bash -c "[ \"\$(lxc config get c2 volatile.last_state.idmap)\" = \"\$(lxc config get c1 volatile.last_state.idmap)\" ] && lxc start c2 && [ \"\$(lxc exec c2 -- stat -c %u /bin/busybox)\" = 0 ] && lxc stop -f c2"
lxc delete -f c2 >/dev/null 2>&1

# Between pools: a second dir pool always, btrfs where the kernel has it.
expect pool-dir2 lxc storage create d2 dir
pools=(d2)
if grep -qw btrfs /proc/filesystems && command -v mkfs.btrfs >/dev/null && command -v btrfs >/dev/null; then
  expect pool-btrfs lxc storage create bt btrfs size=1GiB
  pools+=(bt)
else
  echo "skip: btrfs checks (kernel btrfs support and btrfs-progs are needed)"
fi
expect copy-missing-pool-refused bash -c "! lxc copy c1 c9 -s nope 2>&1 && [ \$(status_of GET /1.0/instances/c9) = 404 ]"
expect move-missing-pool-404 bash -c "[ \$(status_of POST /1.0/instances/c1 '{\"migration\":true,\"pool\":\"nope\"}') = 404 ]"
expect move-same-pool-400 bash -c "[ \$(status_of POST /1.0/instances/c1 '{\"migration\":true,\"pool\":\"default\"}') = 400 ]"
expect move-name-taken-409 bash -c "lxc init bb c9 >/dev/null && [ \$(status_of POST /1.0/instances/c1 '{\"migration\":true,\"pool\":\"d2\",\"name\":\"c9\"}') = 409 ] && lxc delete c9"
lxc start c1 >/dev/null 2>&1
expect move-running-refused bash -c "! lxc move c1 -s d2 2>&1 && [ -d '$dir/containers/c1' ] && [ ! -e '$LXD_DIR/storage-pools/d2/containers/c1' ]"
lxc stop -f c1 >/dev/null 2>&1

from=default
for to in "${pools[@]}" default; do
  tp=$LXD_DIR/storage-pools/$to fp=$LXD_DIR/storage-pools/$from
  expect "copy-$from-to-$to" bash -c "lxc copy c1 cc -s $to && [ \"\$(content '$tp/containers/cc')\" = two ] && snapshots cc | grep -q '/snapshots/snap1\"' && snapshots cc | grep -q '/snapshots/snap2\"'"
  expect "copy-$from-to-$to-snapshot-content" bash -c "[ \"\$(content '$tp/containers-snapshots/cc/snap1')\" = one ] && [ \"\$(content '$tp/containers-snapshots/cc/snap2')\" = two ]"
  expect "copy-$from-to-$to-starts" bash -c "lxc start cc && [ \"\$(lxc exec cc -- cat /root/state)\" = two ] && lxc delete -f cc"
  [[ $from == "$to" ]] && break
  expect "move-$from-to-$to" lxc move c1 -s "$to"
  expect "move-$from-to-$to-volume" bash -c "[ \"\$(content '$tp/containers/c1')\" = two ] && [ \"\$(content '$tp/containers-snapshots/c1/snap1')\" = one ] && lxc storage volume show $to container/c1 >/dev/null"
  expect "move-$from-to-$to-source-gone" bash -c "[ ! -e '$fp/containers/c1' ] && [ ! -e '$fp/containers-snapshots/c1' ] && ! lxc storage volume show $from container/c1 2>/dev/null"
  expect "move-$from-to-$to-root-device" bash -c "[ \"\$(lxc config device get c1 root pool)\" = $to ]"
  expect "move-$from-to-$to-snapshots-kept" bash -c "snapshots c1 | grep -q '/snapshots/snap1\"' && snapshots c1 | grep -q '/snapshots/snap2\"'"
  expect "move-$from-to-$to-starts" bash -c "lxc start c1 && [ \"\$(lxc exec c1 -- cat /root/state)\" = two ] && lxc stop -f c1"
  lxc snapshot c1 "at-$to" >/dev/null
  from=$to
done
# The snapshots' own root disks (those taken since the first move have one) follow the volume.
expect move-snapshot-root-disks-follow bash -c "api GET '/1.0/instances/c1/snapshots?recursion=1' | python3 -c '
import json, sys
snaps = json.load(sys.stdin)[\"metadata\"]
pools = {d[\"pool\"] for s in snaps for d in s[\"devices\"].values() if d.get(\"path\") == \"/\"}
sys.exit(0 if pools == {\"default\"} else pools)'"

# A move that fails on the way (files beyond the btrfs quota of the root disk) leaves the
# instance whole on its pool and nothing on the other.
if [[ " ${pools[*]} " == *" bt "* ]]; then
  lxc config device set c1 root size=20MiB >/dev/null 2>&1
  dd if=/dev/urandom of="$dir/containers/c1/rootfs/root/big" bs=1M count=40 status=none
  expect move-failure-refused bash -c "! lxc move c1 -s bt 2>&1"
  expect move-failure-source-intact bash -c "[ \"\$(lxc config device get c1 root pool)\" = default ] && [ -f '$dir/containers/c1/rootfs/root/big' ] && snapshots c1 | grep -q '/snapshots/snap2\"' && [ -d '$dir/containers-snapshots/c1/snap2' ] && lxc start c1 && lxc stop -f c1"
  expect move-failure-nothing-on-target bash -c "! btrfs subvolume list '$LXD_DIR/storage-pools/bt' | grep -q c1 && ! lxc storage volume show bt container/c1 2>/dev/null"
  rm -f "$dir/containers/c1/rootfs/root/big"
  lxc config device unset c1 root size >/dev/null 2>&1
fi
expect move-instance-only bash -c "lxc move c1 -s d2 --instance-only && snapshots c1 | grep -q '\"metadata\":\[\]' && [ ! -e '$dir/containers-snapshots/c1' ] && [ \"\$(content '$LXD_DIR/storage-pools/d2/containers/c1')\" = two ]"
expect move-and-rename bash -c "lxc move c1 c5 -s default && [ \"\$(content '$dir/containers/c5')\" = two ] && [ \$(status_of GET /1.0/instances/c1) = 404 ] && [ ! -e '$LXD_DIR/storage-pools/d2/containers/c1' ]"

lxc delete -f c5 >/dev/null 2>&1
lxc image delete bb >/dev/null 2>&1
lxc profile device remove default root >/dev/null 2>&1
for p in "${pools[@]}"; do expect "pool-$p-delete" lxc storage delete "$p"; done
