#!/bin/bash
# Image volumes on btrfs pools with the real client: the first launch of an image on a pool
# unpacks it once into the read-only subvolume images/<fingerprint> (listed as an "image" volume),
# every root volume is a snapshot of it (shifted after the snapshot to a container's own ids with
# security.idmap.isolated), the volume API treats it as upstream's (listed, its
# description editable, a DELETE drops the pool's copy), concurrent first launches unpack once, a
# failed unpack leaves nothing, a root disk quota still stops writes inside the container, custom
# volumes work beside image volumes, and the image volume goes with its image and with its pool.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

skip_without_btrfs

export LXD_PLUGIN_PATH=$PLUGINS
export LXD_CONF=$WORK/client
start_daemon
P=$LXD_DIR/storage-pools/p
Q=$LXD_DIR/storage-pools/q

# The UUID and parent UUID btrfs records for a subvolume.
uuid_of() { btrfs subvolume show "$1" | awk '$1 == "UUID:" {print $2}'; }
parent_of() { btrfs subvolume show "$1" | awk '$1 == "Parent" && $2 == "UUID:" {print $3}'; }
# The image subvolumes of a pool, one line each.
image_subvolumes() { btrfs subvolume list -o "$1/images" 2>/dev/null | grep -c ' path images/'; }
image_rows() { lxc storage volume list "$1" --format csv | grep -c '^image,'; }
export -f uuid_of parent_of image_subvolumes image_rows

"$here/../../scripts/make-busybox-image.sh" "$WORK/bb.tar.gz" >/dev/null
lxc image import "$WORK/bb.tar.gz" --alias busybox >/dev/null 2>&1
FP=$(lxc image info busybox | awk '/^Fingerprint:/ {print $2}')
export FP P Q

expect pool-create lxc storage create p btrfs size=1GiB
expect launch lxc launch busybox c -s p
expect image-subvolume bash -c "btrfs subvolume list '$P' | grep -q ' path images/$FP\$'"
expect image-subvolume-readonly bash -c "btrfs property get '$P/images/$FP' ro | grep -q ro=true"
expect root-is-snapshot-of-image bash -c '[ -n "$(uuid_of $P/images/$FP)" ] && [ "$(parent_of $P/containers/c)" = "$(uuid_of $P/images/$FP)" ]'
expect image-volume-listed bash -c "lxc storage volume list p --format csv | grep -q '^image,$FP,'"
expect image-volume-shown bash -c "lxc storage volume show p image/$FP | grep -q 'type: image'"
expect pool-used-by-image bash -c "lxc storage show p | grep -q '/1.0/images/$FP'"
expect container-runs lxc exec c -- true

image_uuid=$(uuid_of "$P/images/$FP")
export image_uuid
expect second-launch-reuses-image lxc launch busybox c2 -s p
expect second-root-is-snapshot bash -c '[ "$(parent_of $P/containers/c2)" = "$image_uuid" ] && [ "$(image_subvolumes $P)" = 1 ] && [ "$(image_rows p)" = 1 ]'

# security.idmap.isolated: the daemon gives the container its own 65536 ids past those the other
# containers share; its root volume is still a snapshot of the image volume, shifted after the
# snapshot: inside, its files belong to its root, on the host to the start of its range, and the
# image volume keeps the image's ids. A copy gets a range of its own too.
ubase=$(awk -F: '$1 == "root" {print $2; exit}' /etc/subuid); ubase=${ubase:-1000000}
gbase=$(awk -F: '$1 == "root" {print $2; exit}' /etc/subgid); gbase=${gbase:-1000000}
export ubase gbase
expect isolated-launch lxc launch busybox iso -s p -c security.idmap.isolated=true
expect isolated-own-range bash -c '[ "$(lxc config get iso volatile.idmap.base)" = $((ubase + 65536)) ] && [ "$(stat -c %u:%g $P/containers/iso/rootfs/bin)" = "$((ubase + 65536)):$((gbase + 65536))" ]'
expect isolated-root-inside bash -c '[ "$(lxc exec iso -- stat -c %u:%g /bin /etc /root | sort -u)" = 0:0 ]'
expect isolated-root-is-snapshot bash -c '[ "$(parent_of $P/containers/iso)" = "$image_uuid" ]'
expect isolated-image-volume-unshifted bash -c '[ "$(stat -c %u $P/images/$FP/rootfs/bin)" = 0 ]'
expect shared-range-unchanged bash -c '[ "$(stat -c %u $P/containers/c2/rootfs/bin)" = $ubase ]'
expect isolated-second-range bash -c 'lxc launch busybox iso2 -s p -c security.idmap.isolated=true >/dev/null && [ "$(lxc config get iso2 volatile.idmap.base)" = $((ubase + 131072)) ] && [ "$(lxc exec iso2 -- stat -c %u /bin)" = 0 ]'
expect isolated-copy-own-range bash -c 'lxc copy iso iso3 >/dev/null && lxc start iso3 && [ "$(lxc config get iso3 volatile.idmap.base)" = $((ubase + 196608)) ] &&
  [ "$(stat -c %u $P/containers/iso3/rootfs/bin)" = $((ubase + 196608)) ] && [ "$(lxc exec iso3 -- stat -c %u /bin)" = 0 ]'
expect isolated-delete lxc delete -f iso iso2 iso3

# The quota on a root that is a snapshot of the image: writes beyond it fail inside.
lxc profile device add default root disk path=/ pool=p >/dev/null 2>&1
expect launch-with-profile-root lxc launch busybox d
expect quota-set lxc config device override d root size=50MiB
expect quota-stops-writes bash -c "lxc exec d -- dd if=/dev/zero of=/big bs=1M count=80 2>&1 | tee /dev/stderr | grep -qi 'quota'"
expect quota-leaves-image-alone bash -c '[ "$(parent_of $P/containers/d)" = "$image_uuid" ]'
expect delete-d lxc delete -f d
lxc profile device remove default root >/dev/null 2>&1

# Custom volumes beside image volumes.
expect volume-create lxc storage volume create p v
expect volume-snapshot lxc storage volume snapshot p v s1
expect volume-restore lxc storage volume restore p v s1
expect volume-copy lxc storage volume copy p/v p/v2
expect volume-attach lxc storage volume attach p v c /mnt/v
# Disk devices of a running container apply at its next start.
lxc restart -f c
expect volume-attached bash -c "lxc exec c -- sh -c 'echo hi > /mnt/v/f' && lxc exec c -- cat /mnt/v/f | grep -q hi"
expect volume-detach lxc storage volume detach p v c
expect volume-delete bash -c "lxc storage volume delete p v2 && lxc storage volume delete p v"

# After a restart the recorded image volume is used again.
stop_daemon
start_daemon
expect launch-after-restart-reuses lxc launch busybox c3 -s p
expect restart-root-is-snapshot bash -c '[ "$(parent_of $P/containers/c3)" = "$image_uuid" ] && [ "$(image_subvolumes $P)" = 1 ]'

# The image volume in the volume API, as upstream 5.0.2: a project sees it with the image it has,
# its description may change but not its config, it is neither renamed, patched nor snapshotted,
# and a DELETE removes the pool's copy only: the image stays and the next launch unpacks it again.
lxc project create imgs -c features.images=false >/dev/null
lxc project create ownimgs >/dev/null
expect image-volume-listed-with-image bash -c "lxc storage volume list p --project imgs --format csv | grep -q '^image,$FP,' && ! lxc storage volume list p --project ownimgs --format csv | grep -q '^image,'"
expect image-volume-description bash -c "lxc query -X PUT -d '{\"description\":\"cache\",\"config\":{}}' /1.0/storage-pools/p/volumes/image/$FP && lxc storage volume show p image/$FP | grep -q '^description: cache'"
expect image-volume-config-refused bash -c "api PUT /1.0/storage-pools/p/volumes/image/$FP '{\"config\":{\"size\":\"1GiB\"}}' | grep -q 'not editable' && ! lxc storage volume show p image/$FP | grep -q size"
expect image-volume-rename-refused bash -c "[ \$(status_of POST /1.0/storage-pools/p/volumes/image/$FP '{\"name\":\"x\"}') = 400 ] && lxc storage volume show p image/$FP >/dev/null"
expect image-volume-patch-refused bash -c "[ \$(status_of PATCH /1.0/storage-pools/p/volumes/image/$FP '{\"description\":\"y\"}') = 400 ]"
expect image-volume-snapshot-refused bash -c "[ \$(status_of POST /1.0/storage-pools/p/volumes/image/$FP/snapshots '{\"name\":\"s\"}') = 400 ]"
expect image-volume-delete bash -c "lxc storage volume delete p image/$FP && [ ! -e '$P/images/$FP' ] && [ \"\$(image_rows p)\" = 0 ] && lxc image info busybox >/dev/null && lxc exec c -- true"
expect image-volume-made-again bash -c "lxc launch busybox c4 -s p >/dev/null && [ \"\$(image_subvolumes $P)\" = 1 ] && [ \"\$(parent_of $P/containers/c4)\" = \"\$(uuid_of $P/images/$FP)\" ]"
lxc delete -f c4 >/dev/null
lxc project delete imgs >/dev/null
lxc project delete ownimgs >/dev/null

# Concurrent first launches on a fresh pool: one unpack, three snapshots of it.
expect pool-q-create lxc storage create q btrfs size=1GiB
expect concurrent-launches bash -c "for i in 1 2 3; do lxc init busybox q\$i -s q & done; wait; lxc list -c n --format csv | grep -c '^q[123]\$' | grep -qx 3"
expect concurrent-one-image bash -c '[ "$(image_subvolumes $Q)" = 1 ] && [ "$(image_rows q)" = 1 ]'
expect concurrent-all-snapshots bash -c 'u=$(uuid_of $Q/images/$FP); for i in 1 2 3; do [ "$(parent_of $Q/containers/q$i)" = "$u" ] || exit 1; done'
expect concurrent-delete lxc delete q1 q2 q3
# The pool goes with its image volume: they are a cache, not a use.
expect pool-with-image-volume-deleted lxc storage delete q
expect pool-q-gone bash -c "! lxc storage show q && ! findmnt -n '$Q' && ! lxc storage volume list q 2>/dev/null | grep -q image"

# A failed unpack (a hard link to a file the image lacks) leaves neither image volume nor row.
python3 - "$WORK/bad.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as tar:
    for name, data, kind, link in (("metadata.yaml", b"architecture: x86_64\ncreation_date: 1700000000\n", tarfile.REGTYPE, ""),
                                   ("rootfs", b"", tarfile.DIRTYPE, ""), ("rootfs/bin", b"", tarfile.DIRTYPE, ""),
                                   ("rootfs/bin/sh", b"", tarfile.LNKTYPE, "rootfs/bin/missing")):
        info = tarfile.TarInfo(name)
        info.type, info.size, info.mode, info.linkname = kind, len(data), 0o755, link
        tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
PY
lxc image import "$WORK/bad.tar" --alias bad >/dev/null
BAD=$(lxc image info bad 2>/dev/null | awk '/^Fingerprint:/ {print $2}')
export BAD
expect bad-image-imported test -n "$BAD"
expect bad-launch-fails bash -c 'out=$(lxc init bad x -s p 2>&1); rc=$?; echo "$out"; [ $rc != 0 ] && grep -qi "link" <<<"$out"' 
expect bad-leaves-no-volume bash -c "! btrfs subvolume list '$P' | grep -q 'images/$BAD' && [ ! -e '$P/images/$BAD' ] && ! lxc storage volume list p --format csv | grep -q '$BAD' && ! lxc info x"

# The image volume goes with the image; the roots made from it stay.
expect image-delete lxc image delete busybox
expect image-subvolume-gone bash -c "[ ! -e '$P/images/$FP' ] && [ \"\$(image_rows p)\" = 0 ]"
expect roots-outlive-image lxc exec c -- true
expect instances-delete lxc delete -f c c2 c3
lxc image delete bad >/dev/null 2>&1
expect pool-delete lxc storage delete p
