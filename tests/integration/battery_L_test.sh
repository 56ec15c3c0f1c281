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

# L-6 (CVE-2019-5736): root of a privileged container watches its /proc for processes that still
# run a host binary (the daemon's attach child and a container's init until they exec) and tries
# to write that binary, and every file the process maps (libc, libstdc++, liblxc, Poco, the
# plugins...), every way proc_exe_writer.c knows: during execs, across a SIGKILL of the daemon
# (its binary then runs nowhere, so ETXTBSY no longer stands in the way of a reopen) and after a
# restart of the container. From the host, the same tries on the daemon and the container's
# monitor (the process the init is forked from) must find read-only mounts of their binaries and
# of every file a fork of theirs inherits, none of which anything makes writable.
cc -static -O1 -o "$WORK/proc_exe_writer" "$here/proc_exe_writer.c"
forkstart=$PLUGINS/lxdp-forkstart
sums=$(sha256sum "$DAEMON" "$forkstart")
lxc launch bb l6 -c security.privileged=true >/dev/null 2>&1
lxc file push "$WORK/proc_exe_writer" l6/bin/proc_exe_writer --mode 0755 >/dev/null
sealed() { # sealed PID BINARY: PID runs BINARY, and maps every file its forks inherit, from read-only mounts none of the tries unwraps
  local out unforked; out=$("$WORK/proc_exe_writer" --pid "$1"); echo "$out"
  # What a fork does not inherit (VmFlags dc: the daemon's database WAL index, shared and writable)
  # is the process's own, out of the containers' reach.
  unforked=$(awk '/^[0-9a-f]+-[0-9a-f]+ /{r=$1} /^VmFlags:.* dc/{print r}' "/proc/$1/smaps")
  grep -qx "foreign $1 $(stat -Lc %d:%i "$2") ro=1" <<<"$out" && grep -q '^mapping ' <<<"$out" &&
    ! grep -E '^(mapping .* ro=0|writable .*)$' <<<"$out" | grep -vwF "${unforked:-none}"
}
monitor_of() { ps -o ppid= -p "$(lxc query "/1.0/instances/$1/state" | jq -r .pid)" | tr -d ' '; }
export -f sealed monitor_of; export WORK
watch_l6() { lxc exec l6 -- sh -c "rm -f /tmp/stop; proc_exe_writer /tmp/stop >/root/$1.log 2>&1 &"; }
stop_watching() { # the watcher's report, once it stopped
  lxc exec l6 -- sh -c "touch /tmp/stop; while ! grep -q '^seen ' /root/$1.log; do sleep 0.1; done; cat /root/$1.log" >"$WORK/$1.log"
}
execs() { for _ in $(seq "$1"); do lxc exec l6 -- true; done; }
expect "L-6 the daemon runs from a sealed lxd" sealed "$DAEMON_PID" "$DAEMON"
expect "L-6 the daemon's WAL index is not inherited by its forks" bash -c "grep -A30 'local.db-shm' /proc/$DAEMON_PID/smaps | grep -m1 '^VmFlags' | grep -qw dc"
expect "L-6 the container's monitor runs from a sealed lxdp-forkstart" bash -c "sealed \$(monitor_of l6) '$forkstart'"
watch_l6 execs
execs 30
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
sleep 2
start_daemon
execs 5
stop_watching execs
lxc restart -f l6 >/dev/null 2>&1
expect "L-6 after a restart, the new monitor runs from a sealed lxdp-forkstart" bash -c "sealed \$(monitor_of l6) '$forkstart'"
expect "L-6 after a daemon restart, the daemon runs from a sealed lxd" sealed "$DAEMON_PID" "$DAEMON"
watch_l6 restarted
execs 10
stop_watching restarted
# The attach child spends long enough in liblxc before its exec that the watcher catches nearly
# every one: at least one caught makes sure the tries above met the daemon's binary.
lxd_id=$(stat -Lc %d:%i "$DAEMON")
for log in execs restarted; do
  expect "L-6 ($log) the watcher opened no host binary for writing" bash -c "cat '$WORK/$log.log'; grep -Eq '^seen [0-9]+ foreign [0-9]+ writable 0$' '$WORK/$log.log' && ! grep -q '^writable' '$WORK/$log.log' && ! grep -q ' ro=0$' '$WORK/$log.log'"
  expect "L-6 ($log) the watcher caught attach children before their exec" grep -q "^foreign [0-9]* $lxd_id ro=1$" "$WORK/$log.log"
  expect "L-6 ($log) it found their libraries and plugins read-only, and no database file" bash -c "grep -q '^mapping .*/libc.so.6 ro=1$' '$WORK/$log.log' && grep -q '^mapping .*/instance-lxc.so ro=1$' '$WORK/$log.log' && ! grep -q 'local.db' '$WORK/$log.log'"
done
expect "L-6 lxd and lxdp-forkstart unchanged" bash -c "[ \"\$(sha256sum '$DAEMON' '$forkstart')\" = '$sums' ]"
lxc delete -f l6 >/dev/null 2>&1

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
