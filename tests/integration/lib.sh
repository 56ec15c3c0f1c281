# Helpers for the integration tests: a daemon in a fresh data dir, requests on its socket, checks.
# Sourced with DAEMON, PLUGINS and FIXTURES set from the test's arguments.
set -u
DAEMON=$1 PLUGINS=$2 FIXTURES=$3
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d /tmp/lxdp-it.XXXXXX)
chmod 755 "$WORK"
export LXD_DIR=$WORK/lxd
mkdir -p "$LXD_DIR"
FAILED=0 PASSED=0
DAEMON_PID=

skip_without_btrfs() { # ends the test (passing) where btrfs pools cannot be made
  if ! grep -qw btrfs /proc/filesystems || ! command -v mkfs.btrfs >/dev/null || ! command -v btrfs >/dev/null; then
    echo "skip: btrfs is not usable here (kernel support and btrfs-progs are needed)"
    exit 0
  fi
}

start_daemon() {
  "$DAEMON" --group root --logfile "$WORK/daemon.log" --verbose >"$WORK/daemon.out" 2>&1 &
  DAEMON_PID=$!
  "$DAEMON" waitready --timeout 30 || { echo "daemon did not start"; cat "$WORK/daemon.out"; exit 1; }
}

stop_daemon() {
  [[ -n $DAEMON_PID ]] || return 0
  kill -TERM "$DAEMON_PID" 2>/dev/null
  wait "$DAEMON_PID" 2>/dev/null
  DAEMON_PID=
}

# The leftover audit (leftover_audit.py): what the test left counts as one failed check.
audit_leftovers() {
  local phase=$1
  if ! python3 "$LIB_DIR/leftover_audit.py" "$phase" "$LXD_DIR" "$WORK/audit-state.json" >"$WORK/audit.out" 2>&1; then
    FAILED=$((FAILED + 1)); echo "FAIL leftover audit ($phase)"; sed 's/^/     | /' "$WORK/audit.out"
  fi
}

finish() {
  [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null && audit_leftovers live
  stop_daemon
  audit_leftovers stopped
  rm -rf "$WORK"
  echo "$PASSED passed, $FAILED failed"
  # exit inside the EXIT trap sets the script's status, so ctest sees the failures.
  [[ $FAILED == 0 ]] && exit 0
  exit 1
}
trap finish EXIT

# The EXIT trap of tests with loop-file pools: whatever happens, no mount and no loop device of
# the test stays behind, then the usual finish.
cleanup_storage() {
  stop_daemon
  findmnt -rn -o TARGET | grep "^$WORK/" | sort -r | while read -r m; do umount -l "$m"; done
  for img in "$LXD_DIR"/disks/*.img; do
    [[ -e $img ]] && losetup -j "$img" | cut -d: -f1 | while read -r dev; do losetup -d "$dev"; done
  done
  finish
}

api() { # api METHOD PATH [BODY]
  curl -sS --unix-socket "$LXD_DIR/unix.socket" -X "$1" ${3:+-H 'Content-Type: application/json' -d "$3"} "http://lxd$2"
}

# Checks run their commands through `bash -c`, which sees the helpers exported here.
export -f api

expect() { # expect NAME CMD... : CMD must succeed
  local name=$1; shift
  if "$@" >"$WORK/out" 2>&1; then PASSED=$((PASSED + 1)); echo "ok   $name"
  else FAILED=$((FAILED + 1)); echo "FAIL $name"; sed 's/^/     | /' "$WORK/out" | tail -n 10; fi
}

setup_base() { # a dir pool, a root disk in the default profile and the busybox image as "bb"
  export LXD_CONF=$WORK/client
  "$here/../../scripts/make-busybox-image.sh" "$WORK/bb.tar.gz"
  lxc storage create default dir >/dev/null 2>&1
  lxc profile device add default root disk path=/ pool=default >/dev/null 2>&1
  lxc image import "$WORK/bb.tar.gz" --alias bb >/dev/null 2>&1
}

upload_split() { # upload_split META ROOTFS [curl args...]: POSTs a split image as lxc image import META ROOTFS does (multipart) and waits; prints the final answer
  local meta=$1 rootfs=$2 reply op; shift 2
  reply=$(curl -s --max-time 60 --unix-socket "$LXD_DIR/unix.socket" "$@" -F "metadata=@$meta" -F "rootfs=@$rootfs" http://lxd/1.0/images)
  op=$(jq -r '.operation // empty' <<<"$reply" 2>/dev/null)
  [[ -n $op ]] && reply=$(curl -s --max-time 60 --unix-socket "$LXD_DIR/unix.socket" "http://lxd$op/wait?timeout=50")
  echo "$reply"
}
is_refusal() { # reads an API answer on stdin: succeeds when it is an error (sync, or a failed operation)
  jq -e '.type == "error" or .metadata.status == "Failure"' >/dev/null
}
export -f upload_split is_refusal

free_port() { # a TCP port of 127.0.0.1 free right now
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A second daemon of ours, its data dir DIR, listening on HTTPS at 127.0.0.1:$OTHER_PORT (an LXD
# remote for the first); OTHER_PID is its process, for stop_other_daemon in the test's cleanup.
OTHER_PID=
start_other_daemon() { # start_other_daemon DIR
  mkdir -p "$1"
  LXD_DIR=$1 "$DAEMON" --group root --logfile "$WORK/other.log" >"$WORK/other.out" 2>&1 &
  OTHER_PID=$!
  LXD_DIR=$1 "$DAEMON" waitready --timeout 30 || { echo "other daemon did not start"; cat "$WORK/other.out"; exit 1; }
  OTHER_PORT=$(free_port)
  LXD_DIR=$1 lxc config set core.https_address "127.0.0.1:$OTHER_PORT"
}
stop_other_daemon() {
  [[ -n $OTHER_PID ]] || return 0
  kill -TERM "$OTHER_PID" 2>/dev/null
  wait "$OTHER_PID" 2>/dev/null
  OTHER_PID=
}

# fake_image_server.py serving the tree ROOT (routes in ROUTES, if given) over HTTPS at
# 127.0.0.1:$SS_PORT with a new self-signed certificate, $WORK/ss.crt; each request is logged in
# ROOT/../requests.log. SS_PID is its process, for stop_image_server in the test's cleanup.
SS_PID=
start_image_server() { # start_image_server ROOT [ROUTES]
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/ss.key" -out "$WORK/ss.crt" 2>/dev/null
  python3 "$LIB_DIR/fake_image_server.py" "$WORK/ss.port" "$WORK/ss.crt" "$WORK/ss.key" "$@" &
  SS_PID=$!
  for _ in $(seq 50); do [[ -s $WORK/ss.port ]] && break; sleep 0.1; done
  SS_PORT=$(cat "$WORK/ss.port")
}
stop_image_server() {
  [[ -n $SS_PID ]] || return 0
  kill "$SS_PID" 2>/dev/null
  wait "$SS_PID" 2>/dev/null
  SS_PID=
}
# The EXIT trap of a test with image servers: stops them, deletes the instances named, finishes.
cleanup_with_servers() { # cleanup_with_servers INSTANCE...
  stop_image_server
  stop_other_daemon
  lxc delete -f "$@" >/dev/null 2>&1
  finish
}

status_of() { # status_of METHOD PATH [BODY] [extra curl args...] : prints the HTTP status
  local method=$1 path=$2 body=${3:-}; shift 3 2>/dev/null || shift $#
  curl -s -o /dev/null -w '%{http_code}' --unix-socket "$LXD_DIR/unix.socket" -X "$method" \
    ${body:+-H 'Content-Type: application/json' --data-binary "$body"} "$@" "http://lxd$path"
}
export -f status_of
