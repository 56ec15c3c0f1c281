# Upstream LXD 5.0.2 (Debian's lxd package) beside our daemon, for the interop tests; sourced
# after lib.sh. Installs the package when missing (the test then skips, passing, where it cannot
# be), and start_upstream runs it in a data dir of its own ($UP/lxd) with a client config of its
# own: `upstream ARGS` is lxc against it, `ours ARGS` lxc against our daemon. The EXIT trap
# removes everything upstream made, then runs lib.sh's finish.
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

# ---- upstream's daemon: its own data dir, client config and a PATH without any build's lxd ----
UP=$WORK/upstream
mkdir -p "$UP/lxd" "$UP/client"
UP_PID=
# The clients of the two daemons.
ours() { lxc "$@"; }
upstream() { LXD_DIR=$UP/lxd LXD_CONF=$UP/client lxc "$@"; }
export UP
# Checks on an instance of either daemon (CLIENT: ours or upstream): the content of its /root/state,
# the names of its snapshots.
state_is() {
  local got
  got=$("$1" exec "$2" -- cat /root/state 2>&1)
  [ "$got" = "$3" ] || { echo "read: $got"; return 1; }
}
snapshots_are() { # snapshots_are CLIENT NAME "s0 s1"
  [ "$("$1" query "/1.0/instances/$2/snapshots" | python3 -c 'import sys,json; print(" ".join(sorted(u.rsplit("/",1)[1] for u in json.load(sys.stdin))))')" = "$3" ]
}
# make_with_snapshots CLIENT NAME: a container whose /root/state reads s0, s1 in its snapshots
# s0, s1 and "now" in the container itself.
make_with_snapshots() {
  local client=$1 name=$2 s
  "$client" launch bb "$name" ${LAUNCH_ARGS:-} >/dev/null || return 1
  for s in s0 s1; do
    # A second apart: upstream 5.0.2's rsync receiver (no --modify-window=-1) compares whole
    # seconds, so a migration would not send again a file of the same size changed within one.
    sleep 1
    "$client" exec "$name" -- sh -c "echo $s > /root/state" && "$client" snapshot "$name" "$s" || return 1
  done
  "$client" exec "$name" -- sh -c 'echo now > /root/state'
}
export -f make_with_snapshots state_is snapshots_are
# arrived LABEL CLIENT NAME: NAME, made by make_with_snapshots on one daemon and brought to
# CLIENT's, lists the snapshots, starts with its own content and restores each snapshot's.
arrived() {
  local label=$1 to=$2 name=$3 s
  expect "$label-snapshots-listed" snapshots_are "$to" "$name" "s0 s1"
  expect "$label-start" "$to" start "$name"
  expect "$label-content" state_is "$to" "$name" now
  for s in s0 s1; do
    expect "$label-restore-$s" "$to" restore "$name" "$s"
    expect "$label-restored-$s" state_is "$to" "$name" "$s"
  done
}
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

start_upstream() {
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LXD_DIR=$UP/lxd \
    "$UPSTREAM" --group root --logfile "$UP/daemon.log" >"$UP/daemon.out" 2>&1 &
  UP_PID=$!
  if ! LXD_DIR=$UP/lxd "$UPSTREAM" waitready --timeout 60; then
    echo "upstream's daemon did not start:"; tail -20 "$UP/daemon.out" "$UP/daemon.log"
    exit 1
  fi
}
