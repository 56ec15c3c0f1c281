#!/bin/bash
# Benchmarks this daemon and upstream LXD 5.0 (Debian's lxd package, installed when missing) side by
# side, in one run, on the same machine, image and clients, and prints one table with the ratio
# ours/upstream for each figure (lower is better for every row but throughput). See bench/README.md.
#
#   sudo bench/run.sh [--quick] [--runs R] [--rounds K] [--scale-max N] [--scale-seconds S]
#                     [--no-build] [--no-readme]
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=5 rounds=3 levels=(0 100 1000) scale_max=10000 scale_seconds=150 build=1 readme=1 quick=0
while (($#)); do
  case $1 in
    --quick) quick=1 runs=2 rounds=1 levels=(0 100) scale_max=0 readme=0; shift ;;
    --runs) runs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --scale-max) scale_max=$2; shift 2 ;;
    --scale-seconds) scale_seconds=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-readme) readme=0; shift ;;
    *) echo "unknown argument $1 (see bench/README.md)" >&2; exit 2 ;;
  esac
done
[[ $(id -u) == 0 ]] || { echo "run as root" >&2; exit 1; }
began=$(date +%s)
log() { printf '[%4ds] %s\n' $(($(date +%s) - began)) "$*" >&2; }

# ---- what is needed ---------------------------------------------------------------------------
if ((build)); then
  "$top/scripts/install-deps.sh" >/dev/null || { echo "installing the build dependencies failed" >&2; exit 1; }
  "$top/scripts/build.sh" >/dev/null || { echo "the build failed" >&2; exit 1; }
fi
lxc_tools=lxc-utils # liblxc's own tools, for the floor figures; Debian 12 ships them in "lxc"
apt-cache show lxc-utils >/dev/null 2>&1 || lxc_tools=lxc
need=()
for pkg in lxd lxd-client "$lxc_tools" btrfs-progs busybox-static curl python3; do
  dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if ((${#need[@]})); then
  log "installing ${need[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}") \
    >/dev/null || { echo "could not install ${need[*]}" >&2; exit 1; }
fi
# Upstream's daemon by the package's own file list: /usr/bin/lxd may be ours when lxdpp is installed
# (it replaces Debian's lxd), so the path is checked to be the lxd package's and to say 5.x.
upstream=
for f in $(dpkg -L lxd | grep -E '/(s?bin|lib/lxd)/lxd$'); do
  [[ -x $f && $(dpkg -S "$f" 2>/dev/null) == lxd:* ]] && upstream=$f && break
done
[[ -n $upstream && $("$upstream" --version 2>/dev/null) == 5.* ]] \
  || { echo "no upstream lxd 5.x binary in the lxd package (found '${upstream}')" >&2; exit 1; }
ours=$top/build/host/lxd loadgen=$top/build/bench/lxdp-loadgen define=$top/bench/define.py
[[ -x $ours && -x $loadgen ]] || { echo "build first: $ours, $loadgen" >&2; exit 1; }
image_script=$top/scripts/make-busybox-image.sh
[[ -x $image_script ]] || image_script=/work/shared/acceptance/make-busybox-image.sh

work=$(mktemp -d /tmp/lxdp-bench.XXXXXX)
chmod 755 "$work" # unprivileged containers reach their rootfs through it
mkdir -p "$work/bin"
ln -s /usr/bin/lxc "$work/bin/lxc"
# The real client, and a PATH on which no build tree's lxd can stand in for upstream's.
export PATH=$work/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
"$image_script" "$work/bb.tar.gz" >/dev/null || { echo "could not build the busybox image" >&2; exit 1; }
results=$work/results
: >"$results"
record() { echo "$1 $2 $3" >>"$results"; } # DAEMON KEY VALUE; several values of one key give a median

# ---- daemons ----------------------------------------------------------------------------------
declare -A pid_of bin_of=([ours]=$ours [upstream]=$upstream)
dir_of() { echo "$work/$1"; }
use() { export LXD_DIR=$(dir_of "$1")/lxd LXD_CONF=$(dir_of "$1")/client; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# start DAEMON: a daemon on its data dir; sets started_ms, the ms from exec to its first 200 on GET /1.0.
start() {
  local d=$1 t0
  use "$d"
  mkdir -p "$LXD_DIR" "$LXD_CONF"
  t0=$(date +%s%N)
  "${bin_of[$d]}" --group root --logfile "$(dir_of "$d")/daemon.log" >>"$(dir_of "$d")/daemon.out" 2>&1 &
  pid_of[$d]=$!
  "$loadgen" "$LXD_DIR/unix.socket" /1.0 --until-up 60 >/dev/null || { echo "$d did not start: $(dir_of "$d")/daemon.log" >&2; exit 1; }
  started_ms=$((($(date +%s%N) - t0) / 1000000))
}
stop() { # SIGTERM leaves instances running in both daemons; none are running when this is called.
  local d=$1 pid=${pid_of[$1]:-} i
  [[ -n $pid ]] || return 0
  kill -CONT "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  pid_of[$d]=
}
# Only one daemon works at a time: the other is stopped with SIGSTOP so it takes no CPU.
focus() {
  local d
  for d in ours upstream; do [[ -n ${pid_of[$d]:-} && $d != "$1" ]] && kill -STOP "${pid_of[$d]}"; done
  kill -CONT "${pid_of[$1]}"
  use "$1"
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
helpers() { pgrep -f "lxc monitor\] $work/" || true; } # liblxc monitors of containers of this run

cleanup() {
  local pid cfg d m
  # Containers: the floor's, then any a daemon left (their monitors name their lxcpath and name).
  lxc-stop -P "$work/floor" -n floor -k >/dev/null 2>&1
  while read -r pid; do
    set -- $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
    [[ $# -ge 4 ]] && lxc-stop -P "$3" -n "$4" -k >/dev/null 2>&1
  done < <(helpers)
  for d in ours upstream; do stop "$d"; done
  cp "$results" "$top/build/bench/last-results.txt" 2>/dev/null # raw figures of the last run
  wipe "$work"
}
wipe() { # removes a dir after its mounts (pools, upstream's shmounts) deepest first and loop devices
  local m
  for m in $(awk -v w="$1/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null
  done
  for m in $(losetup -n -O NAME,BACK-FILE 2>/dev/null | awk -v w="$1/" 'index($2, w) == 1 {print $1}'); do
    losetup -d "$m" 2>/dev/null
  done
  rm -rf "$1"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setup() { # a dir pool holding the default profile's root disk, a btrfs loop pool, the image
  use "$1"
  { lxc storage create default dir &&
    lxc profile device add default root disk path=/ pool=default &&
    lxc storage create bt btrfs size=8GiB &&
    lxc image import "$work/bb.tar.gz" --alias bb; } >/dev/null 2>>"$work/client.log" ||
    { echo "$1: setting up pools and image failed" >&2; exit 1; }
}
timed() { # timed DAEMON KEY COMMAND...: records the wall time of a command in ms
  local d=$1 key=$2 t0
  shift 2
  t0=$(date +%s%N)
  "$@" >/dev/null 2>>"$work/client.log" || echo "$d: $* failed" >>"$work/errors"
  record "$d" "$key" $((($(date +%s%N) - t0) / 1000000))
}
burst() { # burst DAEMON KEY PATH LOADGEN-ARGS...: p50/p99 (µs) or rps of one loadgen burst
  local d=$1 key=$2 path=$3 out p50 p99 samples
  shift 3
  out=$("$loadgen" "$LXD_DIR/unix.socket" "$path" "$@") || echo "$d: loadgen $path failed" >>"$work/errors"
  [[ -n $out ]] || return 0
  if [[ $key == rps* ]]; then
    record "$d" "$key" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["rps"])' <<<"$out")"
  else
    read -r p50 p99 samples < <(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["p50_us"], j["p99_us"], j["requests"])' <<<"$out")
    record "$d" "${key}_p50_us" "$p50"; record "$d" "${key}_p99_us" "$p99"; record "$d" "${key}_samples" "$samples"
  fi
}
execprobe() { # execprobe DAEMON INSTANCE: the daemon's own part of `exec -- true`, no client start (ms)
  local out
  out=$("$loadgen" "$LXD_DIR/unix.socket" "/1.0/instances/$2" --exec 5) || echo "$1: exec probe on $2 failed" >>"$work/errors"
  [[ -n $out ]] && record "$1" exec_daemon_ms "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["total_ms"])' <<<"$out")"
}

# ---- 1. cold start and idle RSS: a fresh data dir each time, daemons alternating ---------------
log "cold start and idle RSS, $runs rounds"
for r in $(seq 1 "$runs"); do
  for d in ours upstream; do
    wipe "$(dir_of "$d")"
    start "$d"
    record "$d" cold_start_ms "$started_ms"
    sleep 3
    record "$d" idle_rss_mib "$(($(rss_kib "${pid_of[$d]}") / 1024))"
    stop "$d"
  done
done

# ---- 2. both daemons on fresh data dirs, the one measured running, the other SIGSTOPped -------
for d in ours upstream; do wipe "$(dir_of "$d")"; start "$d"; setup "$d"; done

log "instance lifecycle with the lxc client, $runs runs after a warm-up"
for d in ours upstream; do # warm-up: the first use of an image on a pool unpacks it (both cache it)
  focus "$d"
  for pool in default bt; do lxc launch bb warm -s "$pool" >/dev/null 2>&1; lxc delete -f warm >/dev/null 2>&1; done
done
for r in $(seq 1 "$runs"); do
  for d in ours upstream; do
    focus "$d"
    timed "$d" launch_dir_ms lxc launch bb "d$r"
    timed "$d" exec_ms lxc exec "d$r" -- true
    execprobe "$d" "d$r"
    timed "$d" stop_force_ms lxc stop --force "d$r"
    timed "$d" delete_ms lxc delete "d$r"
    timed "$d" launch_btrfs_ms lxc launch bb "b$r" -s bt
    lxc delete -f "b$r" >/dev/null 2>&1
  done
  timed client version_ms lxc --version # the client's own start, in every figure above
done
log "helper processes of one running container"
for d in ours upstream; do
  focus "$d"
  lxc launch bb idle >/dev/null 2>&1
  sleep 3
  rss=0 pss=0 n=0
  for pid in $(helpers); do rss=$((rss + $(rss_kib "$pid"))); pss=$((pss + $(pss_kib "$pid"))); n=$((n + 1)); done
  record "$d" helper_count "$n"; record "$d" helper_rss_mib "$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')"
  record "$d" helper_pss_mib "$(awk -v k="$pss" 'BEGIN {printf "%.1f", k / 1024}')"
  lxc delete -f idle >/dev/null 2>&1
done

log "liblxc floor: lxc-start/attach/stop on our rootfs with our generated config"
focus ours
lxc init bb floor >/dev/null 2>&1
lxc start floor >/dev/null 2>&1 && lxc stop -f floor >/dev/null 2>&1 # writes its liblxc config
mkdir -p "$work/floor/floor"
if [[ -f $LXD_DIR/logs/floor/config ]]; then
  sed -e "s|$LXD_DIR/logs/floor/|$work/floor/floor/|g" "$LXD_DIR/logs/floor/config" >"$work/floor/floor/config"
  cp "$LXD_DIR/logs/floor/seccomp" "$work/floor/floor/seccomp" 2>/dev/null
  kill -STOP "${pid_of[ours]}" # the floor runs without any daemon
  for r in $(seq 1 "$runs"); do
    timed liblxc lxc_start_ms lxc-start -P "$work/floor" -n floor -d
    timed liblxc lxc_attach_ms lxc-attach -P "$work/floor" -n floor -- true
    timed liblxc lxc_stop_ms lxc-stop -P "$work/floor" -n floor -k
  done
  kill -CONT "${pid_of[ours]}"
else
  echo "floor: ours wrote no liblxc config at $LXD_DIR/logs/floor/config" >>"$work/errors"
fi
lxc delete -f floor >/dev/null 2>&1

# ---- 3. API latency, throughput and RSS at each count of defined (stopped) instances ----------
declare -A have=([ours]=0 [upstream]=0)
grow() { # grow DAEMON N [DEADLINE]: defines instances until there are N (copies of s1 on btrfs)
  local d=$1 n=$2 deadline=${3:-0} out
  ((have[$d] >= n)) && return
  focus "$d"
  if ((have[$d] == 0)); then
    out=$(python3 "$define" "$LXD_DIR/unix.socket" 1 1 --pool bt) || echo "$d: define s1: $out" >>"$work/errors"
  fi
  if ((n > 1)); then
    out=$(python3 "$define" "$LXD_DIR/unix.socket" $((have[$d] > 1 ? have[$d] + 1 : 2)) "$n" --pool bt --copy-of s1 \
      --clients 4 --deadline "$deadline") || echo "$d: define to $n: $out" >>"$work/errors"
    record "$d" "define_to_${n}_s" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])' <<<"$out")"
  fi
  have[$d]=$(curl -s --unix-socket "$LXD_DIR/unix.socket" http://lxd/1.0/instances |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["metadata"]))')
}
measure_level() { # measure_level N: every API figure at N instances, daemons alternating
  local n=$1 r d
  for r in $(seq 1 "$rounds"); do
    for d in ours upstream; do
      focus "$d"
      sleep 1
      ((r == 1)) && record "$d" "rss_${n}_mib" "$(($(rss_kib "${pid_of[$d]}") / 1024))"
      burst "$d" "get_${n}" /1.0 --requests 2000 --seconds 3
      burst "$d" "list1_${n}" "/1.0/instances?recursion=1" --requests 500 --seconds 4
      burst "$d" "list2_${n}" "/1.0/instances?recursion=2" --requests 500 --seconds 4
      burst "$d" "rps4_${n}" /1.0/instances --clients 4 --seconds 3
    done
  done
}
for n in "${levels[@]}"; do
  log "API figures at $n instances ($rounds rounds)"
  for d in ours upstream; do grow "$d" "$n"; record "$d" "count_${n}" "${have[$d]}"; done
  measure_level "$n"
done
if ((scale_max > 0)); then
  log "scale: growing to $scale_max instances, at most $scale_seconds s of defining per daemon"
  for d in ours upstream; do
    grow "$d" "$scale_max" "$scale_seconds"
    record "$d" count_scale "${have[$d]}"
    focus "$d"
    sleep 1
    record "$d" rss_scale_mib "$(($(rss_kib "${pid_of[$d]}") / 1024))"
    burst "$d" list1_scale "/1.0/instances?recursion=1" --requests 50 --seconds 10
  done
fi
for d in ours upstream; do focus "$d"; stop "$d"; done # SIGTERM; the defined instances go with the data dir

# ---- 4. the table -----------------------------------------------------------------------------
log "done"
table=$(python3 "$top/bench/table.py" "$results" "$runs" "$rounds" "${levels[*]}" "$scale_max")
echo "$table"
if [[ -s $work/errors ]]; then echo; echo "errors during the run:"; sort -u "$work/errors" | head -20; fi
if ((readme)); then
  machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
  python3 - "$top/bench/README.md" "$table" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$machine" \
    "$(cat /proc/loadavg | cut -d' ' -f1-3)" "$(($(date +%s) - began))" "$("$upstream" --version)" <<'EOF'
import sys
path, table, date, machine, load, took, version = sys.argv[1:]
text = open(path).read()
begin, end = "<!-- results: written by bench/run.sh -->", "<!-- /results -->"
block = (f"{begin}\nRun {date} on {machine}; upstream LXD {version}; load average at the end {load}; "
         f"the run took {took} s.\n\n{table}\n{end}")
head, _, rest = text.partition(begin)
_, _, tail = rest.partition(end)
open(path, "w").write(head + block + tail)
EOF
fi
