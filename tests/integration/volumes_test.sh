#!/bin/bash
# Custom storage volumes with the real client on btrfs loop pools (and a dir pool for copies
# between drivers): create, list, show, set, snapshot, restore, copy, rename, move, delete,
# pool updates and defaults, and bad input that is refused and changes nothing.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

skip_without_btrfs

trap cleanup_storage EXIT

export LXD_PLUGIN_PATH=$PLUGINS
export LXD_CONF=$WORK/client
start_daemon
P=$LXD_DIR/storage-pools/vp

expect pool-create lxc storage create vp btrfs size=1GiB
expect dir-pool-create lxc storage create vd dir
expect extensions bash -c "api GET /1.0 | grep -q storage_api_volume_snapshots"

# Create, list, show, set.
expect create lxc storage volume create vp data
expect create-is-subvolume bash -c "btrfs subvolume list '$P' | grep -q 'custom/default_data\$'"
expect list bash -c "lxc storage volume list vp | grep -q 'custom.*data'"
expect list-per-type bash -c "api GET '/1.0/storage-pools/vp/volumes/custom?recursion=1' | grep -q '\"name\":\"data\"'"
expect show bash -c "lxc storage volume show vp data | grep -q 'content_type: filesystem'"
expect set lxc storage volume set vp data user.note=hello
expect set-shown bash -c "[ \"\$(lxc storage volume get vp data user.note)\" = hello ]"
expect set-snapshot-keys lxc storage volume set vp data snapshots.expiry=1w snapshots.schedule=@daily
expect set-size lxc storage volume set vp data size=100MiB
expect size-in-qgroup bash -c "btrfs qgroup show -re --raw -f '$P/custom/default_data' | grep -q ' 104857600 '"

# Bad input: refused with an error, nothing changed.
expect unknown-key-refused bash -c "! lxc storage volume set vp data nosuch.key=1 2>&1 | tee /dev/stderr | grep -q 'Unknown configuration key: nosuch.key' || ! lxc storage volume get vp data nosuch.key | grep -q ."
expect bad-size-refused bash -c "! lxc storage volume set vp data size=lots && [ \"\$(lxc storage volume get vp data size)\" = 100MiB ]"
expect bad-size-create-refused bash -c "! lxc storage volume create vp bad size=lots && ! lxc storage volume show vp bad"
expect duplicate-refused bash -c "[ \"\$(status_of POST /1.0/storage-pools/vp/volumes/custom '{\"name\":\"data\"}')\" = 409 ]"
expect bad-content-type-refused bash -c "api POST /1.0/storage-pools/vp/volumes/custom '{\"name\":\"blk\",\"content_type\":\"iso\"}' | grep -q 'Invalid content type' && ! lxc storage volume show vp blk"
expect missing-pool-404 bash -c "[ \"\$(status_of GET /1.0/storage-pools/nopool/volumes)\" = 404 ]"
expect missing-volume-404 bash -c "[ \"\$(status_of GET /1.0/storage-pools/vp/volumes/custom/none)\" = 404 ]"

# Snapshots and restore: the volume's content goes back to the snapshot's.
echo one > "$P/custom/default_data/file"
expect snapshot lxc storage volume snapshot vp data s1
expect snapshot-readonly-subvolume bash -c "btrfs property get '$P/custom-snapshots/default_data/s1' ro | grep -q true"
expect snapshot-listed bash -c "api GET /1.0/storage-pools/vp/volumes/custom/data/snapshots | grep -q snapshots/s1"
expect snapshot-show bash -c "lxc storage volume show vp data/s1 | grep -q 'name: data/s1'"
expect snapshot-auto-name lxc storage volume snapshot vp data
expect snapshot-auto-named-snap0 bash -c "api GET /1.0/storage-pools/vp/volumes/custom/data/snapshots | grep -q snapshots/snap0"
expect snapshot-duplicate-refused bash -c "! lxc storage volume snapshot vp data s1"
echo two > "$P/custom/default_data/file"
expect restore lxc storage volume restore vp data s1
expect restored-content bash -c "[ \"\$(cat '$P/custom/default_data/file')\" = one ]"
expect snapshot-rename lxc storage volume rename vp data/snap0 data/s2
expect snapshot-renamed bash -c "lxc storage volume show vp data/s2 >/dev/null && ! lxc storage volume show vp data/snap0"
expect snapshot-delete lxc storage volume delete vp data/s2

# Copies: within the pool (a btrfs snapshot, with the snapshots), and to a dir pool.
expect copy lxc storage volume copy vp/data vp/data2
expect copy-content bash -c "[ \"\$(cat '$P/custom/default_data2/file')\" = one ]"
expect copy-has-snapshots bash -c "lxc storage volume show vp data2/s1 >/dev/null"
expect copy-volume-only bash -c "lxc storage volume copy vp/data vp/data3 --volume-only && ! lxc storage volume show vp data3/s1"
expect copy-to-dir-pool lxc storage volume copy vp/data vd/data
expect copy-to-dir-content bash -c "[ \"\$(cat '$LXD_DIR/storage-pools/vd/custom/default_data/file')\" = one ]"
expect copy-to-dir-snapshots bash -c "lxc storage volume show vd data/s1 >/dev/null"

# Rename and move.
expect rename lxc storage volume rename vp data2 renamed
expect renamed bash -c "lxc storage volume show vp renamed >/dev/null && ! lxc storage volume show vp data2 && [ -d '$P/custom/default_renamed' ]"
expect rename-snapshots-follow bash -c "lxc storage volume show vp renamed/s1 >/dev/null"
expect rename-to-taken-refused bash -c "! lxc storage volume rename vp renamed data && lxc storage volume show vp renamed >/dev/null"
expect move-to-other-pool lxc storage volume move vp/data3 vd/moved
expect moved bash -c "lxc storage volume show vd moved >/dev/null && ! lxc storage volume show vp data3"

# Pool updates and volume.* defaults.
expect pool-set-default lxc storage set vp volume.size=20MiB
expect pool-default-applied bash -c "lxc storage volume create vp sized && [ \"\$(lxc storage volume get vp sized size)\" = 20MiB ]"
expect pool-bad-default-refused bash -c "! lxc storage set vp volume.security.shifted=maybe && ! lxc storage get vp volume.security.shifted | grep -q ."
expect pool-source-change-refused bash -c "! lxc storage set vp source=/tmp"
expect pool-description bash -c "lxc storage show vp | sed 's/^description:.*/description: fast/' | lxc storage edit vp"
expect pool-description-shown bash -c "lxc storage show vp | grep -q 'description: fast'"
expect pool-resources bash -c "api GET /1.0/storage-pools/vp/resources | grep -q '\"total\":[1-9]'"
expect pool-in-use-by-volumes bash -c "! lxc storage delete vd && lxc storage show vd | grep -q volumes/custom/moved"

# Attach to containers: a file written on the volume in one container is there in the next.
# Disks reach a running container at once (hot-plug); the restarts check that they come back at
# the next start too.
"$here/../../scripts/make-busybox-image.sh" "$WORK/bb.tar.gz" >/dev/null
lxc image import "$WORK/bb.tar.gz" --alias busybox >/dev/null 2>&1
expect launch-c1 lxc launch busybox c1 -s vp
expect attach lxc storage volume attach vp data c1 /mnt/data
expect attach-started lxc restart -f c1
expect write-on-volume lxc exec c1 -- sh -c 'echo hi > /mnt/data/f && chown 1000:1000 /mnt/data/f'
expect volume-owned-by-container-ids bash -c "[ \"\$(stat -c %u '$P/custom/default_data/f')\" != 1000 ] && [ \"\$(stat -c %u '$P/custom/default_data/f')\" != 0 ]"
expect used-by bash -c "lxc storage volume show vp data | grep -q '/1.0/instances/c1'"
expect delete-attached-refused bash -c "lxc storage volume delete vp data 2>&1 | grep -q '/1.0/instances/c1' && lxc storage volume show vp data >/dev/null"
expect rename-attached-refused bash -c "! lxc storage volume rename vp data other && lxc storage volume show vp data >/dev/null"
expect detach lxc storage volume detach vp data c1
expect launch-c2 lxc launch busybox c2 -s vp
expect attach-c2 lxc storage volume attach vp data c2 /srv/data
expect attach-c2-started lxc restart -f c2
expect file-persists bash -c "[ \"\$(lxc exec c2 -- cat /srv/data/f)\" = hi ] && [ \"\$(lxc exec c2 -- stat -c %u /srv/data/f)\" = 1000 ]"
expect readonly-disk bash -c "lxc config device add c2 ro disk pool=vp source=data path=/ro readonly=true && lxc restart -f c2 && lxc exec c2 -- cat /ro/f && ! lxc exec c2 -- touch /ro/x"
mkdir "$WORK/hostdir" && echo host > "$WORK/hostdir/h"
expect host-path-disk bash -c "lxc config device add c2 hp disk source='$WORK/hostdir' path=/host && lxc restart -f c2 && [ \"\$(lxc exec c2 -- cat /host/h)\" = host ]"
expect optional-missing-disk bash -c "lxc config device add c2 opt disk source='$WORK/missing' path=/opt2 required=false && lxc restart -f c2"
expect required-missing-disk-refused bash -c "! lxc config device set c2 opt required=true 2>$WORK/err && grep -q 'not found on the host' $WORK/err && lxc config device get c2 opt required | grep -qx false; lxc config device remove c2 opt"
expect unknown-volume-refused bash -c "! lxc config device add c2 bad disk pool=vp source=nosuch path=/x && ! lxc config device show c2 | grep -q nosuch"
lxc delete -f c1 c2 >/dev/null 2>&1
lxc image delete busybox >/dev/null 2>&1

# Delete takes the snapshots with the volume.
expect delete lxc storage volume delete vp renamed
expect delete-gone bash -c "! btrfs subvolume list '$P' | grep -q default_renamed"
for v in data sized; do lxc storage volume delete vp $v >/dev/null 2>&1; done
for v in data moved; do lxc storage volume delete vd $v >/dev/null 2>&1; done
expect pool-delete lxc storage delete vp
expect dir-pool-delete lxc storage delete vd
