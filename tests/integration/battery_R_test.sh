#!/bin/bash
# Reliability battery, family R: resource exhaustion (slow clients, leaks over lifecycles).
# BATTERY_CYCLES sets the R-5 lifecycle count (100 in scripts/reliability-report.sh; fewer in CI).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
sock=$LXD_DIR/unix.socket
export sock here

# R-4: the request head has 3 s in all, however slowly it trickles; idle keep-alive ends at 30 s.
python3 "$here/slow_client.py" head "$sock" 100 >"$WORK/slow" &
slow=$!
sleep 2
expect "R-4 served during 100 slow heads" bash -c "t0=\$(date +%s%N); [ \$(status_of GET /1.0) = 200 ] && [ \$(( (\$(date +%s%N) - t0) / 1000000 )) -lt 1000 ]"
wait "$slow"
echo "R-4 slow heads closed after $(cat "$WORK/slow") s"
expect "R-4 slow heads closed within 5 s" bash -c "awk '{exit !(\$1 <= 5)}' '$WORK/slow'"
expect "R-4 idle keep-alive closed at 30 s" bash -c "t=\$(python3 '$here/slow_client.py' idle '$sock'); echo \$t; awk -v t=\$t 'BEGIN{exit !(t >= 25 && t <= 40)}'"

# R-5: fds, threads and RSS of the daemon after full lifecycles (LXD's fdleak.sh allows 5 fds).
cycles=${BATTERY_CYCLES:-10}
for i in 1 2 3; do  # warm-up: caches, thread pools and malloc arenas reach their working size
  lxc launch bb warm >/dev/null 2>&1 && lxc exec warm -- true && lxc delete -f warm >/dev/null 2>&1
done
fds() { ls "/proc/$DAEMON_PID/fd" | wc -l; }
threads() { awk '/^Threads:/{print $2}' "/proc/$DAEMON_PID/status"; }
rss() { awk '/^VmRSS:/{print $2}' "/proc/$DAEMON_PID/status"; }
fd0=$(fds) th0=$(threads) rss0=$(rss)
for i in $(seq 1 "$cycles"); do
  lxc launch bb r5 >/dev/null 2>&1 && lxc exec r5 -- true && lxc stop -f r5 && lxc delete r5 || echo "cycle $i failed"
done >"$WORK/cycles" 2>&1
sleep 2
fd1=$(fds) th1=$(threads) rss1=$(rss)
echo "R-5 after $cycles cycles: fds $fd0 -> $fd1, threads $th0 -> $th1, RSS ${rss0}k -> ${rss1}k"
expect "R-5 every cycle succeeded" bash -c "! grep -q . '$WORK/cycles'"
expect "R-5 fd growth <= 5" test $((fd1 - fd0)) -le 5
expect "R-5 no lxc.log held" bash -c "! ls -l /proc/$DAEMON_PID/fd | grep -q lxc.log"
expect "R-5 threads back to baseline" test "$th1" -le $((th0 + 2))
# Malloc arenas make a few MiB of noise, whatever the cycle count: 10 % or 8 MiB.
expect "R-5 RSS growth < 10 % (or 8 MiB)" bash -c "[ $((rss1 * 10)) -lt $((rss0 * 11)) ] || [ $((rss1 - rss0)) -lt 8192 ]"
echo "R-1 R-2 R-3 skip: disk-full (tmpfs data dir) and upload quota rows are not written yet"
