#!/bin/bash
# Reliability battery, family S: signals and daemon lifecycle with running containers.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
init_pid() { lxc query "/1.0/instances/$1/state" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'; }
export -f init_pid
lxc launch bb s1 >/dev/null 2>&1
lxc launch bb s2 >/dev/null 2>&1
pid1=$(init_pid s1) pid2=$(init_pid s2)

# S-1: SIGTERM leaves the containers running; a restarted daemon finds them as they were. The
# daemon waits for running operations (core.shutdown_timeout), an exec among them: one of 5 s here.
lxc exec s1 -- sleep 5 >/dev/null 2>&1 &
execpid=$!
sleep 1
t0=$(date +%s)
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; code=$?; DAEMON_PID=
echo "S-1 daemon stopped in $(($(date +%s) - t0)) s with an exec of 5 s in flight"
expect "S-1 daemon exits 0 on SIGTERM" test "$code" = 0
expect "S-1 daemon exits within 10 s" test $(($(date +%s) - t0)) -le 10
expect "S-1 containers keep running" bash -c "kill -0 $pid1 && kill -0 $pid2"
kill "$execpid" 2>/dev/null; wait "$execpid" 2>/dev/null
start_daemon
expect "S-1 same init pid after restart" bash -c "[ \"\$(init_pid s1)\" = $pid1 ] && [ \"\$(init_pid s2)\" = $pid2 ]"
expect "S-1 exec works after restart" bash -c "[ \"\$(lxc exec s1 -- echo hi)\" = hi ]"
expect "S-1 file push works after restart" bash -c "echo x >'$WORK/f' && lxc file push '$WORK/f' s1/root/f"

# S-2: SIGKILL, the same.
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
expect "S-2 containers survive a SIGKILLed daemon" bash -c "kill -0 $pid1 && kill -0 $pid2"
# S-3: while the daemon is down, one container's init dies.
kill -KILL "$pid2"
sleep 2
start_daemon
expect "S-2 same init pid after SIGKILL and restart" bash -c "[ \"\$(init_pid s1)\" = $pid1 ]"
expect "S-2 stop works after restart" lxc stop -f s1
expect "S-2 no operation left running" bash -c "! lxc query '/1.0/operations?recursion=1' | grep -q '\"status\": \"Running\"'"
# As upstream, an instance whose last recorded power state was RUNNING is started again at start-up.
expect "S-3 the container killed while the daemon was down is Stopped, or restarted with a new init" bash -c "lxc list --format csv -c ns s2 | grep -q '^s2,STOPPED' || { p=\$(init_pid s2); [ -n \"\$p\" ] && [ \"\$p\" != $pid2 ] && [ \"\$p\" != 0 ]; }"
expect "S-3 it works again" bash -c "lxc start s2 >/dev/null 2>&1; [ \"\$(lxc exec s2 -- echo hi)\" = hi ]"

# S-5: SIGHUP is ignored.
kill -HUP "$DAEMON_PID"
sleep 1
expect "S-5 SIGHUP ignored" bash -c "kill -0 $DAEMON_PID && [ \$(status_of GET /1.0) = 200 ]"
# S-6: the [lxc monitor] of one container is SIGKILLed (its init goes with it).
lxc start s1 >/dev/null 2>&1
mon=$(pgrep -f "^\[lxc monitor\] $LXD_DIR/logs s2\$")
expect "S-6 the monitor of s2 found" test -n "$mon"
kill -KILL $mon 2>/dev/null
sleep 1
expect "S-6 the reported state matches the process" bash -c "p=\$(pgrep -f '^\[lxc monitor\] $LXD_DIR/logs s2\$'); if [ -z \"\$p\" ]; then lxc list -f csv -c ns s2 | grep -q '^s2,STOPPED'; else lxc list -f csv -c ns s2 | grep -q '^s2,RUNNING'; fi"
expect "S-6 the instance can be stopped and started again" bash -c "lxc stop -f s2 2>/dev/null; lxc start s2 && [ \"\$(lxc exec s2 -- echo hi)\" = hi ]"
expect "S-6 the other instance is unaffected" bash -c "lxc list -f csv -c ns s1 | grep -q '^s1,RUNNING' && [ \"\$(lxc exec s1 -- echo hi)\" = hi ]"
lxc delete -f s1 s2 >/dev/null 2>&1
# S-4: SIGPWR with core.shutdown_timeout=1 and a long exec running: the instances stop by
# boot.stop.priority (highest first, each group waited for), the exec's operation ends with its
# instance, and the daemon exits cleanly; the next start brings the instances back.
lxc config set core.shutdown_timeout 1
for p in 1 5 9; do
  lxc launch bb p$p -c boot.stop.priority=$p -c boot.host_shutdown_timeout=3 >/dev/null 2>&1
done
pids="$(init_pid p1) $(init_pid p5) $(init_pid p9)"
lxc exec p1 -- sleep 600 >/dev/null 2>&1 &
exec_client=$!
sleep 1
# Each init's end, in the order seen (polled every 10 ms).
python3 - $pids >"$WORK/order" <<'PY' &
import os, sys, time
alive = dict(zip(sys.argv[1:], ["p1", "p5", "p9"]))
deadline = time.time() + 120
while alive and time.time() < deadline:
    for pid in list(alive):
        if not os.path.exists("/proc/" + pid):
            print(alive.pop(pid), flush=True)
    time.sleep(0.01)
PY
watcher=$!
t0=$(date +%s)
kill -PWR "$DAEMON_PID"
wait "$DAEMON_PID"; code=$?
DAEMON_PID=
wait $watcher
expect "S-4 daemon exits 0 after SIGPWR" test "$code" = 0
expect "S-4 daemon exits before the operations' timeout" test $(($(date +%s) - t0)) -lt 60
expect "S-4 instances stopped highest priority first" bash -c "[ \"\$(tr '\n' ' ' <'$WORK/order')\" = 'p9 p5 p1 ' ]"
expect "S-4 the exec client ended with its instance" bash -c "for i in \$(seq 1 50); do kill -0 $exec_client 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
start_daemon
expect "S-4 instances back after the next start" bash -c "for i in \$(seq 1 30); do [ \"\$(lxc list -f csv -c ns | grep -c '^p[159],RUNNING')\" = 3 ] && exit 0; sleep 1; done; exit 1"
expect "S-4 no operation left running" bash -c "! lxc query '/1.0/operations?recursion=1' | grep -q '\"status\": \"Running\"'"
lxc delete -f p1 p5 p9 >/dev/null 2>&1
lxc config unset core.shutdown_timeout
