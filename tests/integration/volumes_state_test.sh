#!/bin/bash
# Custom volumes beyond create/copy/snapshot, with the real client, on a dir pool and on a btrfs
# loop pool (when the kernel and btrfs-progs allow): the volume state (lxc storage volume info:
# usage, total, snapshots); block volumes (a sparse root.img, nodatacow on btrfs, grown by size,
# never shrunk, copied, snapshotted (snapshots of content type block) and restored with their
# data, a snapshot copied to a volume of its own, refused on containers, no
# block.* keys on these drivers); moves between projects (lxc storage volume move --target-project)
# and their refusals; scheduled snapshots of custom volumes and the expiry of their snapshots.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

HAVE_BTRFS=1
if ! grep -qw btrfs /proc/filesystems || ! command -v mkfs.btrfs >/dev/null || ! command -v btrfs >/dev/null; then
  echo "note: btrfs is not usable here (kernel support and btrfs-progs are needed): dir pool only"
  HAVE_BTRFS=0
fi

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

# ---- Block volumes ---------------------------------------------------------------------------
"$here/../../scripts/make-busybox-image.sh" "$WORK/bb.tar.gz" >/dev/null
lxc image import "$WORK/bb.tar.gz" --alias bb >/dev/null 2>&1
lxc init bb cb -s sd >/dev/null 2>&1

# Bytes of the image of block volume $2 on pool $1, and what it really takes on disk.
img_size() { stat -c %s "$(volume_dir "$1" "$2")/root.img"; }
img_kib() { du -k "$(volume_dir "$1" "$2")/root.img" | cut -f1; }
# The 5 bytes at 1 MB into the image.
img_mark() { dd if="$(volume_dir "$1" "$2")/root.img" bs=1 skip=1000000 count=5 2>/dev/null; }
set_mark() { printf '%s' "$3" | dd of="$(volume_dir "$1" "$2")/root.img" bs=1 seek=1000000 conv=notrunc 2>/dev/null; }
export -f img_size img_kib img_mark

check_block() {
  local p=$1
  expect "$p-block-create" lxc storage volume create "$p" blk --type=block size=20MiB
  expect "$p-block-shown" bash -c "lxc storage volume show $p blk | grep -q 'content_type: block'"
  expect "$p-block-image" bash -c "[ \"\$(img_size $p blk)\" = 20971520 ] && [ \"\$(img_kib $p blk)\" -lt 1024 ]"
  expect "$p-block-default-size" bash -c "lxc storage volume create $p blk0 --type=block && [ \"\$(img_size $p blk0)\" = 10737418240 ] && [ \"\$(img_kib $p blk0)\" -lt 1024 ]"
  expect "$p-block-grow" bash -c "lxc storage volume set $p blk size=40MiB && [ \"\$(img_size $p blk)\" = 41943040 ]"
  expect "$p-block-shrink-refused" bash -c "lxc storage volume set $p blk size=10MiB 2>&1 | grep -q 'not shrink' && [ \"\$(img_size $p blk)\" = 41943040 ] && [ \"\$(lxc storage volume get $p blk size)\" = 40MiB ]"
  expect "$p-block-keys-refused" bash -c "lxc storage volume set $p blk block.filesystem=ext4 2>&1 | grep -q 'block-backed' && [ -z \"\$(lxc storage volume get $p blk block.filesystem)\" ]"
  expect "$p-block-keys-create-refused" bash -c "! lxc storage volume create $p blkfs --type=block block.mount_options=noatime && ! lxc storage volume show $p blkfs"
  expect "$p-block-info" bash -c "lxc storage volume info $p blk | grep -q '^Content type: block'"
  set_mark "$p" blk one
  expect "$p-block-snapshot" lxc storage volume snapshot "$p" blk s1
  expect "$p-block-snapshot-content" bash -c "lxc storage volume show $p blk/s1 | grep -q 'content_type: block' && lxc query /1.0/storage-pools/$p/volumes/custom/blk/snapshots?recursion=1 | grep -q '\"content_type\": \"block\"'"
  expect "$p-block-copy" bash -c "lxc storage volume copy $p/blk $p/blkcopy && [ \"\$(img_mark $p blkcopy)\" = one ] && [ \"\$(img_size $p blkcopy)\" = 41943040 ] && [ \"\$(img_kib $p blkcopy)\" -lt 1024 ]"
  expect "$p-block-copy-snapshots" bash -c "lxc storage volume show $p blkcopy | grep -q 'content_type: block' && lxc storage volume show $p blkcopy/s1 >/dev/null"
  set_mark "$p" blk two
  expect "$p-block-copy-of-snapshot" bash -c "lxc storage volume copy $p/blk/s1 $p/blksnap && [ \"\$(img_mark $p blksnap)\" = one ] && lxc storage volume show $p blksnap | grep -q 'content_type: block' && [ \"\$(img_size $p blksnap)\" = 41943040 ]"
  expect "$p-block-restore" bash -c "lxc storage volume restore $p blk s1 && [ \"\$(img_mark $p blk)\" = one ] && lxc storage volume show $p blk | grep -q 'content_type: block'"
  expect "$p-block-on-container-refused" bash -c "lxc storage volume attach $p blk cb /mnt 2>&1 | grep -q 'Custom block volumes cannot be used on containers' && ! lxc config device show cb | grep -q blk"
  expect "$p-block-in-profile-refused-on-container" bash -c "lxc profile create pb-$p >/dev/null && lxc profile device add pb-$p d disk pool=$p source=blk path=/x >/dev/null && ! lxc profile add cb pb-$p && lxc profile delete pb-$p >/dev/null"
  for v in blk blk0 blkcopy blksnap; do expect "$p-block-delete-$v" lxc storage volume delete "$p" "$v"; done
  expect "$p-block-gone" bash -c "[ ! -e '$(volume_dir "$p" blk)' ] && [ ! -e '$(volume_dir "$p" blkcopy)' ]"
}
check_block sd
if [[ $HAVE_BTRFS == 1 ]]; then
  check_block sb
  expect sb-block-nocow bash -c "lxc storage volume create sb nocow --type=block size=1MiB && lsattr '$(volume_dir sb nocow)/root.img' | cut -d' ' -f1 | grep -q C && lxc storage volume delete sb nocow"
  lxc storage volume create sd cross --type=block size=8MiB >/dev/null
  set_mark sd cross xyz12
  expect block-copy-between-pools bash -c "lxc storage volume copy sd/cross sb/cross && [ \"\$(img_mark sb cross)\" = xyz12 ] && [ \"\$(img_kib sb cross)\" -lt 1024 ] && lxc storage volume delete sb cross"
  lxc storage volume delete sd cross >/dev/null
fi

# ---- Moves between projects -------------------------------------------------------------------
lxc project create vproj -c features.storage.volumes=true >/dev/null
lxc project create shared -c features.storage.volumes=false >/dev/null
# The path of a custom volume of project $3 on pool $1.
project_volume_dir() { echo "$LXD_DIR/storage-pools/$1/custom/$3_$2"; }
export -f project_volume_dir

check_project_move() {
  local p=$1
  lxc storage volume create "$p" mv >/dev/null
  echo moved >"$(volume_dir "$p" mv)/f"
  lxc storage volume snapshot "$p" mv s1 >/dev/null
  expect "$p-move-to-project" lxc storage volume move "$p/mv" "$p/mv" --target-project vproj
  expect "$p-moved-there" bash -c "lxc storage volume show $p mv --project vproj | grep -q 'project: vproj' && [ \"\$(cat '$(project_volume_dir "$p" mv vproj)/f')\" = moved ] && lxc storage volume show $p mv/s1 --project vproj >/dev/null"
  expect "$p-moved-away" bash -c "! lxc storage volume show $p mv && [ ! -e '$(volume_dir "$p" mv)' ]"
  expect "$p-move-back-renamed" bash -c "lxc storage volume move $p/mv $p/back --project vproj --target-project default && [ \"\$(cat '$(volume_dir "$p" back)/f')\" = moved ] && ! lxc storage volume show $p mv --project vproj"
  lxc storage volume create "$p" taken >/dev/null
  lxc storage volume create "$p" taken --project vproj >/dev/null
  expect "$p-move-name-taken-400" bash -c "[ \"\$(status_of POST /1.0/storage-pools/$p/volumes/custom/taken '{\"name\":\"taken\",\"project\":\"vproj\"}')\" = 400 ] && lxc storage volume show $p taken >/dev/null"
  expect "$p-move-missing-project-400" bash -c "[ \"\$(status_of POST /1.0/storage-pools/$p/volumes/custom/back '{\"name\":\"back\",\"project\":\"nosuch\"}')\" = 400 ] && lxc storage volume show $p back >/dev/null"
  expect "$p-move-featureless-project-400" bash -c "api POST /1.0/storage-pools/$p/volumes/custom/back '{\"name\":\"back\",\"project\":\"shared\"}' | grep -q 'features.storage.volumes' && lxc storage volume show $p back >/dev/null"
  expect "$p-move-client-refused" bash -c "! lxc storage volume move $p/taken $p/taken --target-project vproj && lxc storage volume show $p taken >/dev/null"
  expect "$p-move-api-project" bash -c "lxc query -X POST -d '{\"name\":\"api\",\"project\":\"vproj\"}' --wait /1.0/storage-pools/$p/volumes/custom/back >/dev/null && [ \"\$(cat '$(project_volume_dir "$p" api vproj)/f')\" = moved ] && ! lxc storage volume show $p back"
  lxc storage volume delete "$p" taken >/dev/null
  for v in api taken; do lxc storage volume delete "$p" "$v" --project vproj >/dev/null; done
}
check_project_move sd
[[ $HAVE_BTRFS == 1 ]] && check_project_move sb
lxc storage volume create sd att >/dev/null
lxc storage volume attach sd att cb /mnt/att >/dev/null
expect move-attached-refused bash -c "api POST /1.0/storage-pools/sd/volumes/custom/att '{\"name\":\"att\",\"project\":\"vproj\"}' | grep -q 'in use by' && lxc storage volume show sd att >/dev/null && ! lxc storage volume show sd att --project vproj"
lxc delete -f cb >/dev/null 2>&1
lxc storage volume delete sd att >/dev/null
lxc image delete bb >/dev/null 2>&1
lxc project delete vproj >/dev/null
lxc project delete shared >/dev/null

# ---- Scheduled snapshots and expiry ---------------------------------------------------------
expect volume-schedule-stopped-refused bash -c "lxc storage volume create sd sched >/dev/null && ! lxc storage volume set sd sched snapshots.schedule.stopped=true"
expect volume-schedule-bad-refused bash -c "! lxc storage volume set sd sched snapshots.schedule='61 * * * *' && [ -z \"\$(lxc storage volume get sd sched snapshots.schedule)\" ]"
snapshot_names() { lxc query "/1.0/storage-pools/$1/volumes/custom/$2/snapshots" | grep -o 'snapshots/[^\"]*' | sed 's|snapshots/||'; }
export -f snapshot_names
for p in "${pools[@]}"; do
  [[ $p == sd ]] || lxc storage volume create "$p" sched >/dev/null
  lxc storage volume set "$p" sched snapshots.expiry=1d snapshots.pattern='auto%d'
  expect "$p-manual-snapshot-expiry" bash -c "lxc storage volume snapshot $p sched manual && e=\$(lxc query /1.0/storage-pools/$p/volumes/custom/sched/snapshots/manual | grep -o '\"expires_at\": \"[^\"]*' | cut -d'\"' -f4) && d=\$(( \$(date -d \"\$e\" +%s) - \$(date +%s) )) && [ \$d -gt 86000 ] && [ \$d -le 86400 ]"
  lxc storage volume snapshot "$p" sched old >/dev/null
  lxc query -X PATCH -d '{"expires_at":"2000-01-01T00:00:00Z"}' "/1.0/storage-pools/$p/volumes/custom/sched/snapshots/old" >/dev/null
  lxc storage volume set "$p" sched snapshots.schedule='* * * * *'
done
lxc monitor --type=lifecycle >"$WORK/events" 2>&1 &
MONITOR_PID=$!
# One run of the minutely task: at most a minute and a few seconds.
for _ in $(seq 75); do
  done_all=1
  for p in "${pools[@]}"; do
    { snapshot_names "$p" sched | grep -qx auto0 && ! snapshot_names "$p" sched | grep -qx old; } || done_all=0
  done
  [[ $done_all == 1 ]] && break
  sleep 1
done
sleep 2
kill "$MONITOR_PID" 2>/dev/null
for p in "${pools[@]}"; do
  expect "$p-scheduled-snapshot" bash -c "snapshot_names $p sched | grep -qx auto0 && lxc storage volume show $p sched/auto0 | grep -q 'expires_at: [2-9]'"
  expect "$p-expired-snapshot-deleted" bash -c "! snapshot_names $p sched | grep -qx old && snapshot_names $p sched | grep -qx manual"
  expect "$p-schedule-events" bash -c "grep -q 'storage-pools/$p/volumes/custom/sched/snapshots/auto0' '$WORK/events' && grep -q 'storage-pools/$p/volumes/custom/sched/snapshots/old' '$WORK/events'"
  lxc storage volume delete "$p" sched >/dev/null
done

for p in "${pools[@]}"; do expect "$p-pool-delete" lxc storage delete "$p"; done
