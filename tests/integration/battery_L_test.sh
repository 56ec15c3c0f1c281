#!/bin/bash
# Reliability battery, family L: local access and file modes.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
lxc init bb l1 >/dev/null 2>&1
expect "L-1 socket 0660 root" bash -c "[ \"\$(stat -c '%a %u' '$LXD_DIR/unix.socket')\" = '660 0' ]"
expect "L-2 second daemon refused" bash -c "! timeout 10 '$DAEMON' --group root 2>'$WORK/second.err' && grep -q 'already serving' '$WORK/second.err'"
expect "L-2 first daemon still serves" bash -c "[ \$(status_of GET /1.0) = 200 ]"
expect "L-4 database dir 0700" bash -c "[ \$(stat -c %a '$LXD_DIR/database') = 700 ]"
expect "L-4 containers dir 0711" bash -c "[ \$(stat -c %a '$LXD_DIR/storage-pools/default/containers') = 711 ]"
expect "L-4 images dir 0700" bash -c "[ \$(stat -c %a '$LXD_DIR/images') = 700 ]"
lxc delete l1 >/dev/null 2>&1
