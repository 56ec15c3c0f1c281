#!/bin/bash
# security.syscalls.intercept.mknod and .setxattr (spec 3.6.7): an unprivileged container's
# mknod/mknodat of the allowed character devices and its setxattr of trusted.overlay.opaque="y"
# are made by the daemon, confined to the container's root, owned and masked as the caller's
# would be; other devices, other attributes, callers without the capability and containers
# without the keys get the kernel's EPERM as before. Interception keeps working across a daemon
# restart, and the daemon's socket takes no one but liblxc's monitors.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

start_daemon
setup_base >/dev/null 2>&1
cc -static -O1 -o "$WORK/syscall_probe" "$here/syscall_probe.c"
rootfs=$LXD_DIR/storage-pools/default/containers/c/rootfs
policy() { cat "$LXD_DIR/logs/c/seccomp"; }
export -f policy
export rootfs WORK

expect launch bash -c 'lxc init bb c && lxc config set c security.syscalls.intercept.mknod true && lxc start c &&
  lxc file push "$WORK/syscall_probe" c/bin/syscall_probe --mode 0755 >/dev/null'
expect policy-notifies bash -c 'policy | grep -qx "mknodat notify \[2,8192,SCMP_CMP_MASKED_EQ,61440\]" && policy | grep -q "^seccomp errno 22" &&
  grep -qx "lxc.seccomp.notify.proxy = unix:$LXD_DIR/seccomp.socket" "$LXD_DIR/logs/c/config"'
expect socket-private bash -c '[ "$(stat -c "%a %U %F" "$LXD_DIR/seccomp.socket")" = "600 root socket" ]'

# The allowed nodes work as the real ones and belong to the container's root.
expect mknod-null bash -c 'lxc exec c -- mknod /tmp/n c 1 3 && lxc exec c -- sh -c "echo hi > /tmp/n" &&
  [ "$(lxc exec c -- stat -c "%u:%g %t:%T %F" /tmp/n)" = "0:0 1:3 character special file" ] &&
  [ "$(stat -c %u "$rootfs/tmp/n")" != 0 ]'
expect mknod-zero-reads bash -c 'lxc exec c -- mknod /tmp/z c 1 5 && [ "$(lxc exec c -- sh -c "head -c1 /tmp/z | od -An -tx1" | tr -d " ")" = 00 ]'
expect mknod-umask bash -c 'lxc exec c -- sh -c "umask 077 && mknod /tmp/u c 1 9" && [ "$(lxc exec c -- stat -c %a /tmp/u)" = 600 ]'
expect mknodat-dirfd bash -c '[ "$(lxc exec c -- syscall_probe mknodat /tmp at 1 7)" = ok ] && [ "$(lxc exec c -- stat -c "%t:%T" /tmp/at)" = 1:7 ]'
expect mknod-exists bash -c '! lxc exec c -- mknod /tmp/n c 1 3 2>"$WORK/err" && grep -qi "exists" "$WORK/err"'

# Everything else is the kernel's refusal, and nothing is made.
expect block-refused bash -c '! lxc exec c -- mknod /tmp/b b 7 0 2>"$WORK/err" && grep -qi "not permitted" "$WORK/err" && ! lxc exec c -- test -e /tmp/b'
expect mem-refused bash -c '! lxc exec c -- mknod /tmp/m c 1 1 2>"$WORK/err" && grep -qi "not permitted" "$WORK/err" && ! lxc exec c -- test -e /tmp/m'
expect non-root-refused bash -c '! lxc exec c --user 1000 -- mknod /tmp/user c 1 3 2>"$WORK/err" && grep -qi "not permitted" "$WORK/err" && ! lxc exec c -- test -e /tmp/user'
expect fifo-untouched bash -c 'lxc exec c -- mkfifo /tmp/fifo && [ "$(lxc exec c -- stat -c %F /tmp/fifo)" = fifo ]'

# Paths resolve inside the container: a link to / and ".." lead to the container's own root.
expect symlink-confined bash -c 'lxc exec c -- ln -s / /tmp/l && lxc exec c -- mknod /tmp/l/etc/zz c 1 3 && [ ! -e /etc/zz ] &&
  [ "$(stat -c %t:%T "$rootfs/etc/zz")" = 1:3 ]'
expect dotdot-confined bash -c 'lxc exec c -- sh -c "cd /tmp && mknod ../../../../../tmp/up-$$ c 1 3" && [ ! -e /tmp/up-$$ ] && [ -c "$rootfs/tmp/up-$$" ]'

# Interception survives the daemon's restart: the monitor connects again to the same socket.
stop_daemon
start_daemon
expect after-restart bash -c 'lxc exec c -- mknod /tmp/after c 1 3 && [ "$(lxc exec c -- stat -c %t:%T /tmp/after)" = 1:3 ]'

# The socket is for liblxc's monitors only: another client is dropped, the daemon unharmed.
expect stranger-dropped bash -c 'python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.settimeout(5)
s.connect(sys.argv[1])
try:
    s.send(b\"\\0\" * 200); sys.exit(0 if s.recv(100) == b\"\" else 1)
except ConnectionError:
    pass" "$LXD_DIR/seccomp.socket" && lxc exec c -- mknod /tmp/still c 1 3 && grep -q "not a monitor of ours" "$WORK/daemon.log"'

# Concurrent execs: liblxc 5.0 (without AppArmor) may report a failed attach while the command
# runs; each still gives its output, and no unreaped process is left to keep the container from
# stopping.
parallel_execs() {
  local j i pids=""
  for j in 1 2 3; do
    (for i in $(seq 1 12); do [ "$(lxc exec c -- sh -c "echo $j-$i")" = "$j-$i" ] || echo "lost $j-$i"; done) >"$WORK/par-$j" 2>&1 &
    pids="$pids $!"
  done
  wait $pids
  ! grep -q . "$WORK"/par-* && [ -z "$(ps -eo ppid=,stat= | awk -v d="$DAEMON_PID" '$1 == d && $2 ~ /Z/')" ]
}
expect concurrent-execs parallel_execs

# Without the key, mknod of a device fails as in any unprivileged container.
expect without-key bash -c 'lxc stop -f c && lxc config unset c security.syscalls.intercept.mknod && lxc start c &&
  ! policy | grep -q notify && ! lxc exec c -- mknod /tmp/n2 c 1 3 2>"$WORK/err" && grep -qi "not permitted" "$WORK/err"'

# setxattr: trusted.overlay.opaque="y" (an overlayfs opaque directory), nothing else.
expect setxattr-key bash -c 'lxc stop -f c && lxc config set c security.syscalls.intercept.setxattr true && lxc start c &&
  policy | grep -qx "setxattr notify \[3,1,SCMP_CMP_EQ\]" && ! policy | grep -q "^mknod notify" && lxc exec c -- mkdir /tmp/d /tmp/e'
expect setxattr-opaque bash -c '[ "$(lxc exec c -- syscall_probe setxattr /tmp/d trusted.overlay.opaque y)" = ok ] &&
  [ "$(getfattr --only-values -n trusted.overlay.opaque "$rootfs/tmp/d")" = y ]'
expect setxattr-other-refused bash -c '[ "$(lxc exec c -- syscall_probe setxattr /tmp/e trusted.other y)" = "Operation not permitted" ] &&
  [ "$(lxc exec c -- syscall_probe setxattr /tmp/e trusted.overlay.opaque n)" = "Operation not permitted" ] &&
  ! getfattr -m - -d "$rootfs/tmp/e" 2>/dev/null | grep -q trusted'
expect setxattr-user-untouched bash -c '[ "$(lxc exec c -- syscall_probe setxattr /tmp/e user.note y)" = ok ] && [ "$(getfattr --only-values -n user.note "$rootfs/tmp/e")" = y ]'
expect setxattr-confined bash -c 'lxc exec c -- ln -s / /tmp/root && lxc exec c -- mkdir -p /srv &&
  [ "$(lxc exec c -- syscall_probe setxattr /tmp/root/srv trusted.overlay.opaque y)" = ok ] &&
  [ "$(getfattr --only-values -n trusted.overlay.opaque "$rootfs/srv")" = y ] && ! getfattr -n trusted.overlay.opaque /srv >/dev/null 2>&1'
expect setxattr-without-key bash -c 'lxc stop -f c && lxc config unset c security.syscalls.intercept.setxattr && lxc start c &&
  [ "$(lxc exec c -- syscall_probe setxattr /tmp/e trusted.overlay.opaque y)" = "Operation not permitted" ]'

expect extension-advertised bash -c 'lxc query /1.0 | grep -q "\"container_syscall_intercept\""'
expect cleanup bash -c 'lxc delete -f c && lxc image delete bb'
lxc profile device remove default root >/dev/null 2>&1
lxc storage delete default >/dev/null 2>&1
