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

# L-5: what the container's init and an exec'd process hold open, seen from the host.
lxc launch bb l5 >/dev/null 2>&1
init=$(lxc query /1.0/instances/l5/state | jq -r .pid)
lxc exec l5 -- sleep 60 >/dev/null 2>&1 </dev/null &
exec_client=$!
sleep 2
exec_pid=$(for p in $(pgrep -x sleep); do [ "$(readlink /proc/$p/ns/pid)" = "$(readlink /proc/$init/ns/pid)" ] && echo $p; done | head -1)
fd_targets() { for f in /proc/$1/fd/*; do readlink "$f"; done; }
export -f fd_targets
allowed='^(/dev/pts/[0-9]+|/dev/null|pipe:\[[0-9]+\]|socket:\[[0-9]+\]|anon_inode:.*)$'
expect "L-5 the exec'd process found" test -n "$exec_pid"
for who in init exec_pid; do
  expect "L-5 $who holds only pts, pipe, socket, anon_inode and /dev/null" bash -c "t=\$(fd_targets ${!who}); echo \"\$t\"; [ -n \"\$t\" ] && ! grep -Ev '$allowed' <<<\"\$t\""
done
kill $exec_client 2>/dev/null
lxc delete -f l5 >/dev/null 2>&1
