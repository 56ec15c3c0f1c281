#!/bin/bash
# security.syscalls.intercept.mount, .mount.allowed, .mount.shift and .mount.fuse (spec 3.6.7): an
# unprivileged container's mount(2) of a file system type in the allowed list is made by the
# daemon, as the caller (its mount namespace, root, cwd, ids and devices cgroup): an ext4 disk
# given as a unix-block device mounts inside, takes writes, unmounts from inside; its target
# through a link to / stays in the container; a block node of a device the container was not
# given, shipped on that disk, does not mount; with .mount.shift the mount is idmapped to the
# container; with .mount.fuse the container's mount.fuse is run as upstream runs it (and fuse2fs
# mounts, where the host has it to copy in). Other types, callers without CAP_SYS_ADMIN and
# containers without the keys get the kernel's EPERM as before. The loop devices and host mounts
# of the test are gone at the end.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

trap 'lxc delete -f c >/dev/null 2>&1; cleanup_storage' EXIT
start_daemon
setup_base >/dev/null 2>&1
policy() { cat "$LXD_DIR/logs/c/seccomp"; }
export -f policy

# Two ext4 disks: the container's, and another whose node the first one carries.
mkdir -p "$LXD_DIR/disks" "$WORK/check"
for d in given other; do
  truncate -s 16M "$LXD_DIR/disks/$d.img" && mkfs.ext4 -q -F "$LXD_DIR/disks/$d.img"
done
given=$(losetup --find --show "$LXD_DIR/disks/given.img")
other=$(losetup --find --show "$LXD_DIR/disks/other.img")
rootfs=$LXD_DIR/storage-pools/default/containers/c/rootfs
export given other rootfs WORK

# The container's disk belongs to its root (without .mount.shift, ids on the disk are the host's)
# and carries a node of the other disk.
expect launch bash -c 'lxc init bb c && mount "$given" "$WORK/check" && chown "$(stat -c %u:%g "$rootfs")" "$WORK/check" &&
  mknod "$WORK/check/other" b "$((16#$(stat -c %t "$other")))" "$((16#$(stat -c %T "$other")))" &&
  chown "$(stat -c %u:%g "$rootfs")" "$WORK/check/other" && umount "$WORK/check" &&
  lxc config set c security.syscalls.intercept.mount true &&
  lxc config set c security.syscalls.intercept.mount.allowed ext4 &&
  lxc config device add c disk0 unix-block source="$given" path=/dev/sdz && lxc start c && lxc exec c -- mkdir /mnt /srv'
expect policy-notifies bash -c 'policy | grep -qx "mount notify \[3,0,SCMP_CMP_MASKED_EQ,18446744070422410016\]" &&
  policy | grep -qx "fsopen errno 38" && policy | grep -qx "move_mount errno 38" &&
  grep -qx "lxc.seccomp.notify.proxy = unix:$LXD_DIR/seccomp.socket" "$LXD_DIR/logs/c/config"'
# The container's own tmpfs (its init mounts /run) still reaches the kernel, which allows it.
expect other-types-continue bash -c 'lxc exec c -- grep -q " /run tmpfs " /proc/mounts'

container_mounted() { lxc exec c -- grep -q "^$1 $2 ext4 " /proc/mounts; }
export -f container_mounted
expect mount-ext4 bash -c 'lxc exec c -- mount -t ext4 /dev/sdz /mnt && container_mounted /dev/sdz /mnt &&
  ! grep -q "^$given " /proc/self/mounts'
expect write-inside bash -c 'lxc exec c -- sh -c "echo hello > /mnt/hello" && [ "$(lxc exec c -- stat -c %u /mnt/hello)" = 0 ]'
expect umount-inside bash -c 'lxc exec c -- umount /mnt && ! lxc exec c -- grep -q " /mnt " /proc/mounts'
expect written-to-disk bash -c 'mount -o ro,noload "$given" "$WORK/check" && trap "umount $WORK/check" EXIT &&
  [ "$(cat "$WORK/check/hello")" = hello ] && [ "$(stat -c %u "$WORK/check/hello")" = "$(stat -c %u "$rootfs")" ]'
expect flags-kept bash -c 'lxc exec c -- mount -t ext4 -o ro,noexec /dev/sdz /mnt &&
  lxc exec c -- grep -Eq "^/dev/sdz /mnt ext4 ro,.*noexec" /proc/mounts && ! lxc exec c -- touch /mnt/x 2>/dev/null &&
  lxc exec c -- umount /mnt'
expect data-kept bash -c 'lxc exec c -- mount -t ext4 -o errors=remount-ro,commit=7 /dev/sdz /mnt &&
  lxc exec c -- grep -Eq "^/dev/sdz /mnt ext4 .*commit=7" /proc/mounts && lxc exec c -- umount /mnt'

# The target resolves in the container: a link to / leads to the container's root.
expect symlink-confined bash -c 'lxc exec c -- ln -s / /tmp/l && lxc exec c -- mount -t ext4 /dev/sdz /tmp/l/mnt &&
  container_mounted /dev/sdz /mnt && ! findmnt -rn -S "$given" >/dev/null && lxc exec c -- umount /mnt'
expect relative-target bash -c 'lxc exec c -- sh -c "cd /tmp && mount -t ext4 /dev/sdz ../../../mnt" && container_mounted /dev/sdz /mnt &&
  lxc exec c -- umount /mnt'
expect missing-target bash -c '! lxc exec c -- mount -t ext4 /dev/sdz /nowhere 2>"$WORK/err" && grep -qi "no such file" "$WORK/err"'

# The source must be a device the container may open: a node it ships for a device it was not
# given does not mount, nor does anything the caller cannot read.
expect foreign-device-refused bash -c 'lxc exec c -- mount -t ext4 /dev/sdz /mnt && lxc exec c -- test -b /mnt/other &&
  ! lxc exec c -- mount -t ext4 /mnt/other /srv 2>"$WORK/err" && grep -qi "permission denied\|not permitted" "$WORK/err" &&
  ! lxc exec c -- grep -q " /srv " /proc/mounts && ! findmnt -rn -S "$other" >/dev/null && lxc exec c -- umount /mnt'
expect non-root-refused bash -c '! lxc exec c --user 1000 -- mount -t ext4 /dev/sdz /tmp 2>"$WORK/err" &&
  grep -qi "permission denied\|not permitted" "$WORK/err" && ! lxc exec c -- grep -q " /tmp ext4 " /proc/mounts'
expect bind-untouched bash -c 'lxc exec c -- mkdir /srv/b && lxc exec c -- mount --bind /etc /srv/b && lxc exec c -- test -f /srv/b/passwd &&
  lxc exec c -- umount /srv/b'

# The daemon's restart: running containers' mounts are still answered.
stop_daemon
start_daemon
expect after-restart bash -c 'lxc exec c -- mount -t ext4 /dev/sdz /mnt && container_mounted /dev/sdz /mnt && lxc exec c -- umount /mnt'

# .mount.shift: the mount is idmapped to the container (this kernel has no shiftfs), so the
# disk's root is the container's root, both ways.
expect shift bash -c 'lxc stop -f c && mount "$given" "$WORK/check" && chown 0:0 "$WORK/check" && umount "$WORK/check" &&
  lxc config set c security.syscalls.intercept.mount.shift true && lxc start c &&
  lxc exec c -- mount -t ext4 /dev/sdz /mnt && lxc exec c -- grep -q " /mnt .*idmapped" /proc/self/mountinfo &&
  [ "$(lxc exec c -- stat -c %u /mnt)" = 0 ] && lxc exec c -- sh -c "echo shifted > /mnt/shifted" && lxc exec c -- umount /mnt &&
  mount -o ro,noload "$given" "$WORK/check" && trap "umount $WORK/check" EXIT &&
  [ "$(stat -c %u "$WORK/check/shifted")" = 0 ] && [ "$(cat "$WORK/check/shifted")" = shifted ]'

# busybox's mount without a type tries ext3 and ext2 first: each allowed one fails on this disk
# with the file system's own error (not EPERM, which would end busybox's search), ext4 mounts.
expect mount-untyped bash -c 'lxc stop -f c && lxc config set c security.syscalls.intercept.mount.allowed ext3,ext2,ext4 && lxc start c &&
  lxc exec c -- mount /dev/sdz /mnt && container_mounted /dev/sdz /mnt && lxc exec c -- umount /mnt'

# A type outside the list, or no interception: the kernel's EPERM, nothing mounted.
expect type-not-allowed bash -c 'lxc stop -f c && lxc config set c security.syscalls.intercept.mount.allowed btrfs && lxc start c &&
  ! lxc exec c -- mount -t ext4 /dev/sdz /mnt 2>"$WORK/err" && grep -qi "permission denied\|not permitted" "$WORK/err" &&
  ! lxc exec c -- grep -q " /mnt " /proc/mounts'
expect allowed-live bash -c 'lxc config set c security.syscalls.intercept.mount.allowed btrfs,ext4 &&
  lxc exec c -- mount -t ext4 /dev/sdz /mnt && container_mounted /dev/sdz /mnt && lxc exec c -- umount /mnt &&
  lxc config set c security.syscalls.intercept.mount.allowed btrfs && ! lxc exec c -- mount -t ext4 /dev/sdz /mnt 2>/dev/null'
expect without-key bash -c 'lxc stop -f c && lxc config unset c security.syscalls.intercept.mount && lxc start c &&
  ! policy | grep -q "mount notify" && ! lxc exec c -- mount -t ext4 /dev/sdz /mnt 2>"$WORK/err" &&
  grep -qi "permission denied\|not permitted" "$WORK/err" && ! lxc exec c -- grep -q " /mnt " /proc/mounts'

# .mount.fuse: the container's own mount.fuse (here a script that tells how it was called) runs
# in the container's pid namespace, as its root, in the caller's cwd, with upstream's arguments;
# its failure is the caller's EPERM; a type in both lists is nobody's.
cat >"$WORK/mount.fuse" <<'SH'
#!/bin/sh
echo "$(id -u):$(id -g) $(readlink /proc/self/ns/pid) $(pwd) $*" > /tmp/fuse-call
[ "$2" != /fail ]
SH
expect fuse-runs-mount-fuse bash -c 'lxc stop -f c && lxc config set c security.syscalls.intercept.mount true &&
  lxc config set c security.syscalls.intercept.mount.allowed "" && lxc config set c security.syscalls.intercept.mount.fuse ext4=fuse2fs &&
  lxc start c && lxc file push "$WORK/mount.fuse" c/sbin/mount.fuse --mode 0755 >/dev/null &&
  lxc exec c --cwd /tmp -- mount -t ext4 -o ro,noexec /dev/sdz /mnt &&
  [ "$(lxc exec c -- cat /tmp/fuse-call)" = "0:0 $(lxc exec c -- readlink /proc/1/ns/pid) /tmp fuse2fs#/dev/sdz /mnt -o ro,noexec" ]'
expect fuse-key-validated bash -c '! lxc config set c security.syscalls.intercept.mount.fuse ext4 2>"$WORK/err" &&
  grep -q "FILESYSTEM=FUSE-BINARY" "$WORK/err" && ! lxc config set c security.syscalls.intercept.mount.fuse "ext4=fuse#2fs" 2>/dev/null &&
  [ "$(lxc config get c security.syscalls.intercept.mount.fuse)" = ext4=fuse2fs ]'
expect fuse-failure-refused bash -c '! lxc exec c -- mount -t ext4 /dev/sdz /fail 2>"$WORK/err" && grep -qi "permission denied\|not permitted" "$WORK/err"'
expect fuse-and-allowed-refused bash -c 'lxc stop -f c && lxc config set c security.syscalls.intercept.mount.allowed ext4 && lxc start c &&
  lxc exec c -- rm /tmp/fuse-call; ! lxc exec c -- mount -t ext4 /dev/sdz /mnt 2>"$WORK/err" &&
  grep -qi "permission denied\|not permitted" "$WORK/err" && ! lxc exec c -- test -e /tmp/fuse-call && ! lxc exec c -- grep -q " /mnt " /proc/mounts'

# A real FUSE mount: the host's fuse2fs and mount.fuse3 (Debian's fuse2fs and fuse3), with their
# libraries, copied into the busybox container, and /dev/fuse given to it.
push_fuse2fs() {
  local f
  for f in /usr/bin/fuse2fs /sbin/mount.fuse3 $(ldd /usr/bin/fuse2fs /sbin/mount.fuse3 | awk '$1 ~ /^\// && $1 !~ /:$/ {print $1} $3 ~ /^\// {print $3}' | sort -u); do
    lxc file push -p "$(readlink -f "$f")" "c$f" >/dev/null || return 1
  done
  lxc exec c -- ln -sf mount.fuse3 /sbin/mount.fuse
}
fuse2fs_gone() { for _ in $(seq 50); do lxc exec c -- ps | grep -q "[f]use2fs" || return 0; sleep 0.2; done; return 1; }
export -f push_fuse2fs fuse2fs_gone
missing=$(for need in /usr/bin/fuse2fs /sbin/mount.fuse3 /dev/fuse; do [ -e $need ] || printf ' %s' $need; done)
if [ -z "$missing" ]; then
  expect fuse2fs-mount bash -c 'lxc config set c security.syscalls.intercept.mount.allowed "" &&
    lxc config device add c fuse unix-char source=/dev/fuse >/dev/null && push_fuse2fs &&
    lxc exec c -- mount -t ext4 /dev/sdz /mnt && lxc exec c -- grep -q "^/dev/sdz /mnt fuse.ext4 " /proc/mounts &&
    lxc exec c -- ps | grep -q "[f]use2fs /dev/sdz /mnt" && lxc exec c -- sh -c "echo fused > /mnt/fused" &&
    lxc exec c -- umount /mnt && fuse2fs_gone'
  expect fuse2fs-written bash -c 'mount -o ro,noload "$given" "$WORK/check" && trap "umount $WORK/check" EXIT &&
    [ "$(cat "$WORK/check/fused")" = fused ]'
else
  echo "skip fuse2fs: a real FUSE mount needs the host's$missing (packages fuse2fs, fuse3)"
fi

expect extensions-advertised bash -c 'lxc query /1.0 | grep -q "\"container_syscall_intercept_mount\"" &&
  lxc query /1.0 | grep -q "\"container_syscall_intercept_mount_fuse\""'
expect cleanup bash -c 'lxc delete -f c && lxc image delete bb'
lxc profile device remove default root >/dev/null 2>&1
lxc storage delete default >/dev/null 2>&1
