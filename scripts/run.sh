#!/bin/bash
# Installs the dependencies, builds, and starts the daemon with a working default: a dir pool
# "default", a root disk in the default profile and a busybox image aliased "busybox".
# Afterwards `lxc launch busybox c1` works. LXD_DIR selects the data dir (default /var/lib/lxd).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[[ $(id -u) == 0 ]] || { echo "run as root" >&2; exit 1; }
"$top/scripts/install-deps.sh"
"$top/scripts/build.sh"
export LXD_DIR=${LXD_DIR:-/var/lib/lxd}
mkdir -p "$LXD_DIR"
if ! "$top/build/host/lxd" waitready --timeout 1 2>/dev/null; then
  setsid "$top/build/host/lxd" --group "$(getent group lxd >/dev/null && echo lxd || echo root)" \
    --logfile "$LXD_DIR/lxd.log" </dev/null >/dev/null 2>&1 &
  "$top/build/host/lxd" waitready --timeout 30
fi
lxc storage show default >/dev/null 2>&1 || lxc storage create default dir
lxc profile device get default root pool >/dev/null 2>&1 || lxc profile device add default root disk path=/ pool=default
if ! lxc image info busybox >/dev/null 2>&1; then
  image=$(mktemp --suffix=.tar.gz)
  "$top/scripts/make-busybox-image.sh" "$image"
  lxc image import "$image" --alias busybox
  rm -f "$image"
fi
echo "The daemon serves $LXD_DIR/unix.socket; try: lxc launch busybox c1"
