#!/bin/bash
# Benchmarks this daemon and upstream LXD (Debian's lxd package, installed when missing) side by
# side, in one run, on the same machine, image and clients, and prints one table with the ratio
# ours/upstream for each figure (lower is better for every row but throughput).
#
#   sudo bench/run.sh [--instances N] [--runs R]      (defaults: 100 instances, 5 runs)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
instances=100 runs=5
while (($#)); do
  case $1 in
    --instances) instances=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ $(id -u) == 0 ]] || { echo "run as root" >&2; exit 1; }
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh" >/dev/null || { echo "the build failed" >&2; exit 1; }
dpkg-query -W lxd >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lxd >/dev/null
upstream=$(dpkg -L lxd | grep -E '/s?bin/lxd$' | head -n1)
loadgen=$top/build/bench/lxdp-loadgen
work=$(mktemp -d /tmp/lxdp-bench.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
"$top/scripts/make-busybox-image.sh" "$work/bb.tar.gz"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
rss_kib() { ps -o rss= -p "$1" | tr -d ' '; }
monitors_kib() { # the liblxc monitors of this data dir, reported apart from the daemon
  local sum=0 pid
  for pid in $(pgrep -f "lxc monitor.*$LXD_DIR"); do sum=$((sum + $(rss_kib "$pid"))); done
  echo "$sum"
}
timed_ms() { local t0; t0=$(now_ms); "$@" >/dev/null 2>&1; echo $(($(now_ms) - t0)); }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

declare -A result
measure() { # measure NAME DAEMON
  local name=$1 daemon=$2
  export LXD_DIR=$work/$name/lxd LXD_CONF=$work/$name/client
  mkdir -p "$LXD_DIR" "$LXD_CONF"
  local sock=$LXD_DIR/unix.socket t0 pid
  t0=$(now_ms)
  "$daemon" --group root --logfile "$work/$name/daemon.log" >/dev/null 2>&1 &
  pid=$!
  until curl -s -o /dev/null --unix-socket "$sock" http://lxd/1.0 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "$name: the daemon exited, see $work/$name/daemon.log" >&2; exit 1; }
    sleep 0.005
  done
  result[$name,cold_start_ms]=$(($(now_ms) - t0))
  sleep 2
  result[$name,idle_rss_mib]=$(($(rss_kib "$pid") / 1024))
  lxc storage create default dir >/dev/null
  lxc profile device add default root disk path=/ pool=default >/dev/null
  lxc image import "$work/bb.tar.gz" --alias bb >/dev/null
  local g0 r0
  g0=$("$loadgen" "$sock" /1.0 --requests 2000)
  result[$name,get10_p50_us]=$(json p50_us <<<"$g0"); result[$name,get10_p99_us]=$(json p99_us <<<"$g0")
  r0=$("$loadgen" "$sock" "/1.0/instances?recursion=1" --requests 1000)
  result[$name,list0_p50_us]=$(json p50_us <<<"$r0"); result[$name,list0_p99_us]=$(json p99_us <<<"$r0")

  local i
  for i in $(seq 1 "$instances"); do lxc init bb "s$i" >/dev/null 2>&1; done
  result[$name,rss_n_mib]=$(($(rss_kib "$pid") / 1024))
  local rn
  rn=$("$loadgen" "$sock" "/1.0/instances?recursion=1" --requests 200)
  result[$name,listn_p50_us]=$(json p50_us <<<"$rn"); result[$name,listn_p99_us]=$(json p99_us <<<"$rn")
  result[$name,list_rps_4]=$("$loadgen" "$sock" /1.0/instances --seconds 5 --clients 4 | json rps)

  local launches=() execs=() stops=() deletes=()
  for i in $(seq 1 "$runs"); do
    launches+=("$(timed_ms lxc launch bb "b$i")")
    execs+=("$(timed_ms lxc exec "b$i" -- true)")
    stops+=("$(timed_ms lxc stop --force "b$i")")
    deletes+=("$(timed_ms lxc delete "b$i")")
  done
  result[$name,launch_ms]=$(printf '%s\n' "${launches[@]}" | median)
  result[$name,exec_ms]=$(printf '%s\n' "${execs[@]}" | median)
  result[$name,stop_ms]=$(printf '%s\n' "${stops[@]}" | median)
  result[$name,delete_ms]=$(printf '%s\n' "${deletes[@]}" | median)
  lxc launch bb idle >/dev/null 2>&1
  sleep 2
  result[$name,monitor_rss_mib]=$(($(monitors_kib) / 1024))
  lxc delete -f idle >/dev/null 2>&1
  for i in $(seq 1 "$instances"); do lxc delete "s$i" >/dev/null 2>&1; done
  kill -TERM "$pid"; wait "$pid" 2>/dev/null
}

measure ours "$top/build/host/lxd"
measure upstream "$upstream"

printf '%-40s %12s %12s %8s\n' "figure ($instances instances, median of $runs runs)" ours upstream ratio
for key in cold_start_ms idle_rss_mib rss_n_mib monitor_rss_mib get10_p50_us get10_p99_us list0_p50_us list0_p99_us \
           listn_p50_us listn_p99_us list_rps_4 launch_ms exec_ms stop_ms delete_ms; do
  o=${result[ours,$key]} u=${result[upstream,$key]}
  printf '%-40s %12s %12s %8s\n' "$key" "$o" "$u" "$(awk -v o="$o" -v u="$u" 'BEGIN { if (u > 0) printf "%.2f", o / u; else print "-" }')"
done
