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

# L-3: /dev/lxd seen from inside container A (its pid, network, ipc and uts namespaces): A's data
# only, whatever the path, query or method names B; the caller is told by SO_PEERCRED (B's
# process gets B's data on the same socket); no host API behind it; a flood leaves no fds behind.
lxc launch bb la -c user.who=a >/dev/null 2>&1
lxc launch bb lb -c user.who=b -c user.secret=b-only >/dev/null 2>&1
lxc config device add lb bnull unix-char source=/dev/null path=/dev/bnull >/dev/null 2>&1
export SOCK=$LXD_DIR/devlxd/sock
guest() { # guest INSTANCE METHOD PATH [COUNT THREADS]: devlxd_flood.py run in the instance's namespaces
  local pid; pid=$(lxc query "/1.0/instances/$1/state" | jq -r .pid)
  nsenter -t "$pid" --pid --net --ipc --uts -- python3 "$here/devlxd_flood.py" "$SOCK" "$2" "$3" "${4:-1}" "${5:-1}"
}
export -f guest; export here
expect "L-3 A reads its own config" bash -c "[ \"\$(guest la GET /1.0/config/user.who)\" = '1 200 a' ]"
expect "L-3 B's process on the same socket gets B's config" bash -c "[ \"\$(guest lb GET /1.0/config/user.who)\" = '1 200 b' ]"
for target in /1.0/config/user.secret /1.0/instances/lb /1.0/instances/lb/devices '/1.0/config?instance=lb' \
  '/1.0/devices?instance=lb&project=default' /1.0/../1.0/instances/lb '/1.0/config/user.secret?target=lb'; do
  expect "L-3 A asks $target: nothing of B" bash -c "out=\$(guest la GET '$target'); echo \"\$out\"; ! grep -q 'b-only\\|bnull\\| 200 b\$' <<<\"\$out\""
done
for method in PATCH PUT POST DELETE; do
  for target in /1.0/devices /1.0/config /1.0/config/user.who /1.0/instances/lb; do
    expect "L-3 $method $target from A is refused" bash -c "out=\$(guest la $method $target); echo \"\$out\"; grep -Eq '^1 (4[0-9][0-9]) ' <<<\"\$out\""
  done
done
expect "L-3 B unchanged" bash -c "[ \"\$(lxc config get lb user.secret)\" = b-only ] && [ \"\$(lxc config device list lb)\" = bnull ]"
expect "L-3 A unchanged" bash -c "[ \"\$(lxc config get la user.who)\" = a ] && [ -z \"\$(lxc config device list la)\" ]"
expect "L-3 no host API behind /dev/lxd" bash -c "for t in /1.0/instances /1.0/certificates /1.0/storage-pools /internal/shutdown; do guest la GET \$t | grep -q '^1 404 ' || exit 1; done"
expect "L-3 the host's API socket is not in the guest" bash -c "! lxc exec la -- test -e '$LXD_DIR/unix.socket' && lxc exec la -- test -S /dev/lxd/sock"
# The flood: BATTERY_FLOOD requests, the row's 10 000 in scripts/reliability-report.sh, fewer in CI.
flood=${BATTERY_FLOOD:-2000}
fds_before=$(ls /proc/$DAEMON_PID/fd | wc -l)
expect "L-3 $flood requests from A, each answered with A's data" bash -c "out=\$(guest la GET /1.0/config/user.who $flood 8); echo \"\$out\"; [ \"\$out\" = '$flood 200 a' ]"
sleep 1
fds_after=$(ls /proc/$DAEMON_PID/fd | wc -l)
echo "L-3 daemon fds before $flood requests $fds_before, after $fds_after"
expect "L-3 no fd growth after the flood" test "$fds_after" -le $((fds_before + 2))
expect "L-3 the daemon still serves" bash -c "[ \$(status_of GET /1.0) = 200 ] && [ \"\$(guest la GET /1.0/config/user.who)\" = '1 200 a' ]"
lxc delete -f la lb >/dev/null 2>&1
