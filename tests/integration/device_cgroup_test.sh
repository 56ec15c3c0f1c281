#!/bin/bash
# The devices cgroup of containers, privileged and unprivileged (upstream LXD's policy): device
# nodes an image ships or the container makes (/dev/kmsg c 1:11, a disk b 8:0, /dev/mem c 1:1)
# cannot be opened; /dev/null, zero, full, random, urandom, ptys, fuse and tun can; a unix-char
# device brings its node in, live and at start, and takes its rule with it when removed (but
# not a rule the policy grants anyway); raw.lxc may still widen the policy.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
trap 'lxc delete -f dc-false dc-true >/dev/null 2>&1; finish' EXIT
start_daemon
setup_base

opens() { # opens INSTANCE PATH MODE: the node at PATH opens inside for MODE (< read, > write, <> both)
  lxc exec "$1" -- sh -c "exec 3$3$2" 2>/dev/null
}
export -f opens

for priv in false true; do
  c=dc-$priv
  lxc init bb "$c" -c security.privileged=$priv >/dev/null
  # Nodes as an image would ship them: in its rootfs, the container root's, usable by anyone.
  rootfs=$LXD_DIR/storage-pools/default/containers/$c/rootfs
  for node in "kmsg c 1 11" "mem c 1 1" "sda b 8 0" "fuse c 10 229" "tun c 10 200"; do
    set -- $node
    mknod -m 0666 "$rootfs/root/$1" "$2" "$3" "$4"
  done
  lxc start "$c" >/dev/null
  owner=$(stat -c %u:%g "$rootfs/root")
  for n in kmsg mem sda fuse tun; do chown "$owner" "$rootfs/root/$n"; done
  who="$c (security.privileged=$priv)"

  expect "$who: the image's kmsg (c 1:11) opens neither for reading nor for writing" bash -c \
    "! opens $c /root/kmsg '<' && ! opens $c /root/kmsg '>'"
  expect "$who: the image's mem (c 1:1) and sda (b 8:0) do not open" bash -c \
    "! opens $c /root/mem '<' && ! opens $c /root/sda '<'"
  expect "$who: null, zero, full, random and urandom work" bash -c "
    lxc exec $c -- sh -c 'echo x >/dev/null && [ \$(head -c 3 /dev/zero | wc -c) = 3 ] && ! echo x 2>/dev/null >/dev/full &&
      [ \$(head -c 8 /dev/random | wc -c) = 8 ] && [ \$(head -c 8 /dev/urandom | wc -c) = 8 ]'"
  expect "$who: fuse (c 10:229) and tun (c 10:200) open" bash -c "opens $c /root/fuse '<>' && opens $c /root/tun '<>'"
  # The command's terminal is a pty (c 136:*) the daemon opened on the host's devpts.
  expect "$who: lxc exec -t gets a working pty" bash -c \
    "script -qec \"lxc exec -t $c -- sh -c 'test -t 0 && test -t 1 && echo pty-ok'\" /dev/null | grep -q pty-ok"
  if [[ $priv == true ]]; then
    # Making a node stays allowed (upstream's "c *:* m"); using it does not.
    expect "$who: a node made inside (mknod c 1 11) does not open" bash -c \
      "lxc exec $c -- mknod /tmp/k c 1 11 && ! opens $c /tmp/k '<' && ! opens $c /tmp/k '>'"
  fi

  # A unix-char device brings its node in, live and at start; gone, it takes its rule along.
  expect "$who: unix-char /dev/kmsg added live opens" bash -c \
    "lxc config device add $c kmsg unix-char source=/dev/kmsg path=/dev/kmsg >/dev/null && opens $c /dev/kmsg '>'"
  expect "$who: after a restart it still opens" bash -c "lxc restart -f $c && opens $c /dev/kmsg '>'"
  expect "$who: removed live, kmsg is refused again" bash -c \
    "lxc config device remove $c kmsg >/dev/null && ! lxc exec $c -- test -e /dev/kmsg && ! opens $c /root/kmsg '>'"
  # A device whose node the policy grants anyway must not take that rule with it.
  expect "$who: a unix-char of /dev/null removed live leaves /dev/null usable" bash -c "
    lxc config device add $c n2 unix-char source=/dev/null path=/dev/null2 >/dev/null && opens $c /dev/null2 '>' &&
    lxc config device remove $c n2 >/dev/null && opens $c /dev/null '>' && opens $c /dev/zero '<'"
  lxc delete -f "$c" >/dev/null
done

# raw.lxc may widen the policy (a control: the probe does see an allowed node).
lxc init bb dc-true -c security.privileged=true -c raw.lxc='lxc.cgroup.devices.allow = c 1:11 rwm' >/dev/null
mknod -m 0666 "$LXD_DIR/storage-pools/default/containers/dc-true/rootfs/root/kmsg" c 1 11
mknod -m 0666 "$LXD_DIR/storage-pools/default/containers/dc-true/rootfs/root/mem" c 1 1
lxc start dc-true >/dev/null
expect "raw.lxc allowing c 1:11: the image's kmsg opens for writing" opens dc-true /root/kmsg '>'
expect "raw.lxc: mem (c 1:1) still does not open" bash -c "! opens dc-true /root/mem '<'"
lxc delete -f dc-true >/dev/null
