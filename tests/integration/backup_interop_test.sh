#!/bin/bash
# Instance backups between this daemon and upstream LXD 5.0.2 (Debian's lxd package), both ways: a
# container with two snapshots of different content, exported by one daemon and imported by the
# other, is listed with its snapshots, starts with its own content and restores each snapshot's;
# then the same with optimized backups of btrfs pools (btrfs send streams).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

# Upstream's daemon by the package's own file list, as bench/run.sh finds it: /usr/bin/lxd may be
# ours when lxdpp is installed (it replaces Debian's lxd).
upstream_binary() {
  local f
  for f in $(dpkg -L lxd 2>/dev/null | grep -E '/(s?bin|lib/lxd)/lxd$'); do
    [[ -x $f && $(dpkg -S "$f" 2>/dev/null) == lxd:* && $("$f" --version 2>/dev/null) == 5.* ]] && echo "$f" && return
  done
}
UPSTREAM=$(upstream_binary)
if [[ -z $UPSTREAM ]]; then
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lxd ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lxd; }) \
    >"$WORK/apt.log" 2>&1
  UPSTREAM=$(upstream_binary)
fi
if [[ -z $UPSTREAM ]]; then
  echo "skip: upstream LXD 5.x (Debian's lxd package) cannot be installed: $(tail -1 "$WORK/apt.log")"
  exit 0
fi

export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base

# ---- upstream's daemon: its own data dir, client config and a PATH without any build's lxd ----
UP=$WORK/upstream
mkdir -p "$UP/lxd" "$UP/client"
UP_PID=
# The clients of the two daemons.
ours() { lxc "$@"; }
upstream() { LXD_DIR=$UP/lxd LXD_CONF=$UP/client lxc "$@"; }
export UP
export -f ours upstream

# Everything upstream made goes: its containers (through it, else through liblxc by their
# lxcpath), the daemon, then its mounts deepest first, before lib.sh's audit of our daemon.
stop_upstream() {
  local name pid
  if [[ -n $UP_PID ]] && kill -0 "$UP_PID" 2>/dev/null; then
    for name in $(upstream list --format csv -c n 2>/dev/null); do upstream delete -f "$name" >/dev/null 2>&1; done
    LXD_DIR=$UP/lxd timeout 60 "$UPSTREAM" shutdown >/dev/null 2>&1
    kill -TERM "$UP_PID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$UP_PID" 2>/dev/null
    wait "$UP_PID" 2>/dev/null
  fi
  UP_PID=
  for pid in $(pgrep -f "lxc monitor\] $UP/lxd/containers"); do
    name=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | awk '{print $NF}')
    [[ -n $name ]] && lxc-stop -P "$UP/lxd/containers" -n "$name" -k >/dev/null 2>&1
  done
  for m in $(awk -v w="$UP/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null
  done
  rm -rf "$UP"
}
trap 'stop_upstream; finish' EXIT

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LXD_DIR=$UP/lxd \
  "$UPSTREAM" --group root --logfile "$UP/daemon.log" >"$UP/daemon.out" 2>&1 &
UP_PID=$!
if ! LXD_DIR=$UP/lxd "$UPSTREAM" waitready --timeout 60; then
  echo "upstream's daemon did not start:"; tail -20 "$UP/daemon.out" "$UP/daemon.log"
  exit 1
fi
expect upstream-setup bash -c "upstream storage create default dir >/dev/null && upstream profile device add default root disk path=/ pool=default >/dev/null && upstream image import '$WORK/bb.tar.gz' --alias bb >/dev/null"

# make_with_snapshots CLIENT NAME: a container whose /root/state reads s0, s1 in its snapshots
# s0, s1 and "now" in the container itself.
make_with_snapshots() {
  local client=$1 name=$2 s
  "$client" launch bb "$name" ${LAUNCH_ARGS:-} >/dev/null || return 1
  for s in s0 s1; do
    "$client" exec "$name" -- sh -c "echo $s > /root/state" && "$client" snapshot "$name" "$s" || return 1
  done
  "$client" exec "$name" -- sh -c 'echo now > /root/state'
}
state_is() { [ "$("$1" exec "$2" -- cat /root/state)" = "$3" ]; }
snapshots_are() { # snapshots_are CLIENT NAME "s0 s1"
  [ "$("$1" query "/1.0/instances/$2/snapshots" | python3 -c 'import sys,json; print(" ".join(sorted(u.rsplit("/",1)[1] for u in json.load(sys.stdin))))')" = "$3" ]
}
export -f make_with_snapshots state_is snapshots_are
export LAUNCH_ARGS EXPORT_ARGS

# round_trip FROM TO NAME: a container with snapshots made on FROM's daemon, exported, imported by
# TO's; TO lists the snapshots, starts it with its own content and restores each snapshot's.
round_trip() {
  local from=$1 to=$2 name=$3 s
  expect "$from-make" make_with_snapshots "$from" "$name"
  expect "$from-export" "$from" export "$name" "$WORK/$name.tar.gz" ${EXPORT_ARGS:-}
  expect "$to-import" "$to" import "$WORK/$name.tar.gz"
  expect "$to-imported-snapshots-listed" snapshots_are "$to" "$name" "s0 s1"
  expect "$to-imported-start" "$to" start "$name"
  expect "$to-imported-content" state_is "$to" "$name" now
  for s in s0 s1; do
    expect "$to-imported-restore-$s" "$to" restore "$name" "$s"
    expect "$to-imported-restored-$s" state_is "$to" "$name" "$s"
  done
  "$from" delete -f "$name" >/dev/null 2>&1
  "$to" delete -f "$name" >/dev/null 2>&1
}

round_trip ours upstream a1
round_trip upstream ours b1

# Optimized backups of btrfs pools (btrfs send streams, upstream's backup/container.bin and
# backup/snapshots/<name>.bin), both ways, each daemon on a btrfs pool "bt" of its own.
if grep -qw btrfs /proc/filesystems && command -v mkfs.btrfs >/dev/null; then
  expect btrfs-pools bash -c "ours storage create bt btrfs size=1GiB >/dev/null && upstream storage create bt btrfs size=1GiB >/dev/null"
  LAUNCH_ARGS="-s bt" EXPORT_ARGS=--optimized-storage
  expect optimized-layout bash -c "ours launch bb o0 -s bt >/dev/null && ours snapshot o0 s0 && ours export o0 '$WORK/o0.tar.gz' --optimized-storage && tar -tzf '$WORK/o0.tar.gz' | grep -qx backup/snapshots/s0.bin && ours delete -f o0"
  round_trip ours upstream a2
  round_trip upstream ours b2
  LAUNCH_ARGS= EXPORT_ARGS=
  expect btrfs-pools-delete bash -c "ours storage delete bt && upstream storage delete bt"
fi
