#!/bin/bash
# Host shutdown (SIGPWR or `lxd shutdown`) stops the instances and the next start brings back
# those that were running; a plain SIGTERM leaves them running.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
command -v lxc >/dev/null || { echo "SKIP: the lxc client (lxd-client) is not installed"; exit 0; }
export LXD_PLUGIN_PATH=$PLUGINS LXD_CONF=$WORK/client
start_daemon
"$here/../../scripts/make-busybox-image.sh" "$WORK/bb.tar.gz"
lxc storage create default dir >/dev/null 2>&1
lxc profile device add default root disk path=/ pool=default >/dev/null
lxc image import "$WORK/bb.tar.gz" --alias bb >/dev/null
lxc launch bb up1 >/dev/null 2>&1
lxc init bb down1 >/dev/null 2>&1
lxc config set up1 boot.stop.priority 5

pid=$(lxc info up1 | awk '/^PID:/{print $2}')
expect running-before bash -c "[ -n '$pid' ] && kill -0 '$pid'"
"$DAEMON" shutdown --timeout 120 >/dev/null 2>&1
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
expect instance-stopped-with-host bash -c "! kill -0 '$pid' 2>/dev/null"
start_daemon
expect running-again-after-start bash -c 'for i in $(seq 1 30); do [ "$(lxc list --format csv -c s up1)" = RUNNING ] && exit 0; sleep 1; done; exit 1'
expect never-started-stays-stopped bash -c "[ \"\$(lxc list --format csv -c s down1)\" = STOPPED ]"
lxc delete -f up1 down1 >/dev/null 2>&1
