#!/bin/bash
# Split images (lxc image import META ROOTFS, the form images.linuxcontainers.org publishes): a
# metadata tarball with a squashfs rootfs, and with a tarball rootfs. The fingerprint is sha256 of
# metadata then rootfs, both files are kept under images/, a launch unpacks the rootfs confined
# to the container's rootfs (links kept as links, owners, setuid and device nodes as stored) and
# templates apply; malformed uploads and damaged rootfs files are refused with nothing left.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
# A host file the image's links point at: beside the data dir, gone with the test's files.
canary=$WORK/canary
mkdir "$canary" && echo secret >"$canary/secret"

# The busybox image split in two, its rootfs with links out of it, owners, setuid and a node.
img=$WORK/img
mkdir "$img" && tar -C "$img" -xzf "$WORK/bb.tar.gz"
tar -C "$img" -cJf "$WORK/meta.tar.xz" metadata.yaml templates
r=$img/rootfs
ln -s /etc "$r/etc-link"
ln -s "../../../../../../../..$canary/secret" "$r/up"
echo inside >"$r/root/file" && chown 1000:1000 "$r/root/file"
cp "$r/bin/busybox" "$r/bin/sush" && chmod 4755 "$r/bin/sush"
mknod "$r/root/mem" c 1 1
mksquashfs "$r" "$WORK/rootfs.squashfs" -noappend -comp xz -no-progress >/dev/null
tar -C "$r" --numeric-owner -czf "$WORK/rootfs.tar.gz" .
FP=$(cat "$WORK/meta.tar.xz" "$WORK/rootfs.squashfs" | sha256sum | cut -d' ' -f1)
SIZE=$(( $(stat -c %s "$WORK/meta.tar.xz") + $(stat -c %s "$WORK/rootfs.squashfs") ))
C1=$LXD_DIR/storage-pools/default/containers/c1/rootfs
export FP SIZE C1 canary

expect "lxc image import META ROOTFS.squashfs" lxc image import "$WORK/meta.tar.xz" "$WORK/rootfs.squashfs" --alias sq
expect "fingerprint is sha256 of metadata then rootfs" bash -c "lxc image info sq | grep -qx 'Fingerprint: $FP'"
expect "size is that of both files" bash -c "[ \$(lxc query /1.0/images/$FP | jq .size) = $SIZE ]"
expect "kept as images/FP and images/FP.rootfs" bash -c "cmp '$LXD_DIR/images/$FP' '$WORK/meta.tar.xz' && cmp '$LXD_DIR/images/$FP.rootfs' '$WORK/rootfs.squashfs'"
mkdir "$WORK/exp"
expect "lxc image export writes both files under upstream's names" bash -c "lxc image export sq '$WORK/exp/' >/dev/null &&
  cmp '$WORK/exp/meta-$FP.tar.xz' '$WORK/meta.tar.xz' && cmp '$WORK/exp/$FP.squashfs' '$WORK/rootfs.squashfs'"
expect "the same image again is refused" bash -c "! lxc image import '$WORK/meta.tar.xz' '$WORK/rootfs.squashfs' 2>&1 >/dev/null"
expect "launch from the squashfs image" lxc launch sq c1
expect "templates applied" bash -c "[ \"\$(lxc exec c1 -- cat /etc/hostname)\" = c1 ]"
expect "owners and setuid kept" bash -c "[ \"\$(lxc exec c1 -- stat -c %u:%g:%a /root/file /bin/sush | tr '\n' ' ')\" = '1000:1000:644 0:0:4755 ' ]"
expect "links kept as links, never followed while unpacking" bash -c "
  [ \"\$(lxc exec c1 -- readlink /etc-link)\" = /etc ] && [ -L '$C1/etc-link' ] && [ -L '$C1/up' ] &&
  [ \"\$(lxc exec c1 -- cat /up 2>/dev/null)\" != secret ]"
expect "the device node is there, shifted to the container's root" bash -c "
  [ \"\$(stat -c %F:%t:%T:%u '$C1/root/mem')\" = 'character special file:1:1:'\$(lxc config get c1 volatile.idmap.base) ]"
expect "inside, the node does not open (devices cgroup)" bash -c "! lxc exec c1 -- sh -c 'exec 3>/root/mem' 2>/dev/null"
expect "canary unchanged" bash -c "[ \"\$(ls '$canary')\" = secret ] && [ \"\$(cat '$canary/secret')\" = secret ]"

expect "lxc image import META ROOTFS.tar.gz" lxc image import "$WORK/meta.tar.xz" "$WORK/rootfs.tar.gz" --alias sqt
expect "launch from the tarball-rootfs image" bash -c "lxc launch sqt c2 >/dev/null && [ \"\$(lxc exec c2 -- cat /root/file)\" = inside ] && [ \"\$(lxc exec c2 -- cat /etc/hostname)\" = c2 ]"
lxc delete -f c1 c2 >/dev/null 2>&1

# Malformed uploads: refused, nothing stored.
images_before=$(lxc image list --format csv | wc -l)
export images_before
nothing_left() { [ "$(lxc image list --format csv | wc -l)" = "$images_before" ] && ! ls "$LXD_DIR/images" | grep -q '^upload-'; }
export -f nothing_left
expect "a metadata part alone is refused" bash -c "curl -s --max-time 60 --unix-socket '$LXD_DIR/unix.socket' -F 'metadata=@$WORK/meta.tar.xz' http://lxd/1.0/images | is_refusal && nothing_left"
expect "parts in the wrong order are refused" bash -c "curl -s --max-time 60 --unix-socket '$LXD_DIR/unix.socket' -F 'rootfs=@$WORK/rootfs.squashfs' -F 'metadata=@$WORK/meta.tar.xz' http://lxd/1.0/images | is_refusal && nothing_left"
expect "a wrong X-LXD-fingerprint is refused" bash -c "upload_split '$WORK/meta.tar.xz' '$WORK/rootfs.tar.gz' -H 'X-LXD-fingerprint: $FP' | is_refusal && nothing_left"
expect "a metadata tarball holding a rootfs is refused" bash -c "upload_split '$WORK/bb.tar.gz' '$WORK/rootfs.squashfs' | is_refusal && nothing_left"
head -c 65536 /dev/urandom >"$WORK/noise"
expect "a rootfs neither squashfs nor tarball is refused" bash -c "upload_split '$WORK/meta.tar.xz' '$WORK/noise' | tee '$WORK/noise.out' | is_refusal && nothing_left"

# A damaged squashfs whose superblock is sound (its inode table overwritten) is taken, but a
# launch fails with unsquashfs's reason and leaves no instance and no volume.
python3 - "$WORK/rootfs.squashfs" "$WORK/damaged.squashfs" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
inodes, = struct.unpack_from("<Q", data, 64)
data[inodes:inodes + 256] = b"\xff" * 256
open(sys.argv[2], "wb").write(data)
PY
expect "a squashfs with a damaged inode table is taken" bash -c "upload_split '$WORK/meta.tar.xz' '$WORK/damaged.squashfs' | jq -e '.metadata.status == \"Success\"' >/dev/null"
DAMAGED=$(cat "$WORK/meta.tar.xz" "$WORK/damaged.squashfs" | sha256sum | cut -d' ' -f1)
expect "its launch fails cleanly, nothing made" bash -c "
  ! timeout 120 lxc launch $DAMAGED broken >'$WORK/broken.out' 2>&1 && grep -q 'squashfs' '$WORK/broken.out' &&
  ! lxc info broken >/dev/null 2>&1 && [ -z \"\$(ls '$LXD_DIR/storage-pools/default/containers')\" ]"
lxc image delete "$DAMAGED" >/dev/null 2>&1

expect "image delete removes both files" bash -c "lxc image delete sq && [ ! -e '$LXD_DIR/images/$FP' ] && [ ! -e '$LXD_DIR/images/$FP.rootfs' ]"
expect "daemon still serves" bash -c "[ \$(status_of GET /1.0) = 200 ]"
