#!/bin/bash
# unix-char and unix-block devices of the lxc driver: nodes from a host source or from
# major/minor, with owner and mode in the container's ids; required and optional sources; the
# nodes' directory gone with the container.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
trap 'lxc delete -f ud1 >/dev/null 2>&1; finish' EXIT
start_daemon
setup_base

lxc init bb ud1 >/dev/null
expect missing-source-refused bash -c "lxc config device add ud1 gone unix-char source=/dev/lxdp-no-such >/dev/null && ! lxc start ud1 2>$WORK/err; grep -q '/dev/lxdp-no-such not found' $WORK/err && lxc list ud1 -c s --format csv | grep -q STOPPED"
lxc config device remove ud1 gone >/dev/null
expect wrong-kind-refused bash -c "lxc config device add ud1 wrong unix-block source=/dev/null >/dev/null && ! lxc start ud1 2>$WORK/err; grep -q 'is not a block device' $WORK/err"
lxc config device remove ud1 wrong >/dev/null
expect escaping-path-refused bash -c "lxc config device add ud1 bad unix-char source=/dev/null path=/dev/../../x >/dev/null && ! lxc start ud1 2>$WORK/err; grep -q 'invalid path' $WORK/err"
lxc config device remove ud1 bad >/dev/null

expect add-devices bash -c "
  lxc config device add ud1 null unix-char source=/dev/null path=/dev/mynull uid=1000 gid=1000 mode=0600 &&
  lxc config device add ud1 blk unix-block path=/dev/myblk major=7 minor=200 &&
  lxc config device add ud1 opt unix-char source=/dev/lxdp-no-such required=false" >/dev/null
expect start lxc start ud1
expect char-node bash -c "lxc exec ud1 -- ls -ln /dev/mynull | grep -E '^crw------- .* 1000 +1000 +1, +3 '"
expect char-usable bash -c "lxc exec ud1 -- sh -c 'echo hi > /dev/mynull'"
expect block-node bash -c "lxc exec ud1 -- ls -ln /dev/myblk | grep -E '^brw-rw---- .* 0 +0 +7, +200 '"
expect optional-skipped bash -c "! lxc exec ud1 -- test -e /dev/lxdp-no-such"
expect host-nodes bash -c "ls $LXD_DIR/devices/ud1 | grep -q unix.null.dev-mynull"
expect stop lxc stop -f ud1
expect delete lxc delete ud1
expect nodes-gone test ! -e "$LXD_DIR/devices/ud1"
