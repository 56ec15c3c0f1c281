#!/bin/bash
# Copies and moves between two btrfs pools go as btrfs send streams (ABI 1.3's volume_send and
# volume_receive): containers and custom volumes with their snapshots arrive with their content,
# the snapshots as read-only received subvolumes (a Received UUID), each sent as the difference
# from the one before (its Parent UUID is the copy of that one), the volume itself writable with
# no received UUID left (it can change). A refresh still syncs files; a copy to a dir pool too.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

skip_without_btrfs
trap cleanup_storage EXIT

export LXD_PLUGIN_PATH=$PLUGINS
export LXD_CONF=$WORK/client
start_daemon
A=$LXD_DIR/storage-pools/a
B=$LXD_DIR/storage-pools/b

# A field of `btrfs subvolume show PATH` ("UUID", "Parent UUID", "Received UUID").
field() { btrfs subvolume show "$1" | sed -n "s/^[[:space:]]*$2:[[:space:]]*//p"; }
export -f field
received() { [[ $(field "$1" 'Received UUID') != - ]]; }
export -f received

expect pools-create bash -c "lxc storage create a btrfs size=1GiB && lxc storage create b btrfs size=1GiB && lxc storage create d dir"
"$here/../../scripts/make-busybox-image.sh" "$WORK/bb.tar.gz" >/dev/null
lxc image import "$WORK/bb.tar.gz" --alias busybox >/dev/null 2>&1
lxc profile device add default root disk path=/ pool=a >/dev/null 2>&1

lxc init busybox c -s a >/dev/null
lxc file push - c/root/state <<<"s0" >/dev/null && lxc snapshot c s0 >/dev/null
head -c 3000000 /dev/urandom >"$WORK/blob"
lxc file push "$WORK/blob" c/root/blob >/dev/null
lxc file push - c/root/state <<<"s1" >/dev/null && lxc snapshot c s1 >/dev/null
lxc file push - c/root/state <<<"now" >/dev/null

expect copy-to-other-pool lxc copy c c2 -s b
expect copy-content bash -c "[ \"\$(lxc file pull c2/root/state -)\" = now ] && lxc file pull c2/root/blob - | cmp - '$WORK/blob'"
expect copy-snapshots-listed bash -c "lxc query /1.0/instances/c2/snapshots | grep -q 'snapshots/s0' && lxc query /1.0/instances/c2/snapshots | grep -q 'snapshots/s1'"
expect copy-snapshots-received bash -c "received '$B/containers-snapshots/c2/s0' && received '$B/containers-snapshots/c2/s1' && [ \"\$(btrfs property get '$B/containers-snapshots/c2/s1' ro)\" = ro=true ]"
expect copy-snapshot-incremental bash -c "[ \"\$(field '$B/containers-snapshots/c2/s1' 'Parent UUID')\" = \"\$(field '$B/containers-snapshots/c2/s0' UUID)\" ]"
expect copy-volume-incremental-and-writable bash -c "[ \"\$(field '$B/containers/c2' 'Parent UUID')\" = \"\$(field '$B/containers-snapshots/c2/s1' UUID)\" ] && ! received '$B/containers/c2' && [ \"\$(btrfs property get '$B/containers/c2' ro)\" = ro=false ] && [ \"\$(stat -c %a '$B/containers/c2')\" = 100 ]"
expect copy-snapshot-content bash -c "lxc restore c2 s0 && [ \"\$(lxc file pull c2/root/state -)\" = s0 ] && lxc restore c2 s1 && [ \"\$(lxc file pull c2/root/state -)\" = s1 ]"
expect copy-runs bash -c "lxc start c2 && lxc exec c2 -- true && lxc stop -f c2"
expect copy-scratch-gone bash -c "! ls -A '$A/containers' '$B/containers' | grep -q '^\\.'"
expect copy-of-snapshot bash -c "lxc copy c/s0 c3 -s b && [ \"\$(lxc file pull c3/root/state -)\" = s0 ] && ! received '$B/containers/c3'"
expect copy-instance-only bash -c "lxc copy c c4 -s b --instance-only && [ \"\$(lxc file pull c4/root/state -)\" = now ] && [ ! -e '$B/containers-snapshots/c4' ]"

# A running source is frozen while its state is sent.
expect copy-running bash -c "lxc start c && lxc copy c c5 -s b && lxc stop -f c && [ \"\$(lxc file pull c5/root/state -)\" = now ]"

# A refresh keeps syncing files: the copy's snapshots stay, its state follows the source.
lxc file push - c/root/state <<<"later" >/dev/null
expect refresh bash -c "lxc copy c c2 --refresh && [ \"\$(lxc file pull c2/root/state -)\" = later ]"

# To a dir pool the files are copied, as before.
expect copy-to-dir bash -c "lxc copy c c6 -s d && [ \"\$(lxc file pull c6/root/state -)\" = later ] && [ -d '$LXD_DIR/storage-pools/d/containers-snapshots/c6/s1' ]"

# A move: the volume and its snapshots leave pool a and arrive received on b.
expect move-to-other-pool lxc move c -s b
expect move-on-new-pool bash -c "lxc query /1.0/instances/c | python3 -c 'import sys,json; d=json.load(sys.stdin); sys.exit(d[\"expanded_devices\"][\"root\"][\"pool\"] != \"b\")'"
expect move-content bash -c "[ \"\$(lxc file pull c/root/state -)\" = later ] && lxc file pull c/root/blob - | cmp - '$WORK/blob'"
expect move-snapshots-received bash -c "received '$B/containers-snapshots/c/s0' && received '$B/containers-snapshots/c/s1'"
expect move-old-gone bash -c "[ ! -e '$A/containers/c' ] && [ ! -e '$A/containers-snapshots/c' ]"

# A container holding a subvolume of its own: a stream would leave it out, so its files are copied.
expect nested-subvolume bash -c "btrfs subvolume create '$B/containers/c/rootfs/inner' >/dev/null && echo deep > '$B/containers/c/rootfs/inner/f'"
expect copy-nested-by-files bash -c "lxc copy c c7 -s a && [ \"\$(cat '$A/containers/c7/rootfs/inner/f')\" = deep ] && received '$A/containers-snapshots/c7/s1'"

# Custom volumes with snapshots, and a copy of one snapshot.
expect volume-create lxc storage volume create a v
echo v0 >"$A/custom/default_v/state" && lxc storage volume snapshot a v v0 >/dev/null
echo now >"$A/custom/default_v/state"
expect volume-copy lxc storage volume copy a/v b/v
expect volume-copy-content bash -c "[ \"\$(cat '$B/custom/default_v/state')\" = now ] && [ \"\$(cat '$B/custom-snapshots/default_v/v0/state')\" = v0 ]"
expect volume-copy-received bash -c "received '$B/custom-snapshots/default_v/v0' && [ \"\$(field '$B/custom/default_v' 'Parent UUID')\" = \"\$(field '$B/custom-snapshots/default_v/v0' UUID)\" ]"
expect volume-snapshot-listed bash -c "lxc storage volume show b v/v0 >/dev/null"
expect volume-move bash -c "lxc storage volume move b/v a/w && [ \"\$(cat '$A/custom/default_w/state')\" = now ] && received '$A/custom-snapshots/default_w/v0'"

# A failed receive leaves nothing: the target name taken on the pool's filesystem.
btrfs subvolume create "$A/containers/c8" >/dev/null
expect copy-onto-taken-subvolume-fails bash -c "! lxc copy c2 c8 -s a && ! lxc info c8 >/dev/null 2>&1 && [ ! -e '$A/containers-snapshots/c8' ] && [ -z \"\$(ls -A '$A/containers/c8')\" ]"
btrfs subvolume delete "$A/containers/c8" >/dev/null

expect cleanup bash -c "for i in c c2 c3 c4 c5 c6 c7; do lxc delete -f \$i || exit 1; done; lxc storage volume delete a v && lxc storage volume delete a w && lxc image delete busybox"
expect nothing-left bash -c "[ -z \"\$(btrfs subvolume list -o '$A' | grep -v ' path images')\" ] && [ -z \"\$(btrfs subvolume list -o '$B')\" ]"
expect pools-delete bash -c "lxc profile device remove default root >/dev/null && lxc storage delete a && lxc storage delete b && lxc storage delete d"
