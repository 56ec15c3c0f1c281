#!/bin/bash
# /dev/lxd: the socket shows in a container, answers for the instance its caller runs in
# (a client put into the container's pid namespace with nsenter), only user.* keys; nobody else
# gets an answer; security.devlxd=false takes it away.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
trap 'lxc delete -f dl1 >/dev/null 2>&1; finish' EXIT
start_daemon
setup_base

lxc launch bb dl1 -c user.foo=bar -c user.meta-data="hello: world" -c limits.processes=500 >/dev/null
lxc config device add dl1 nul unix-char source=/dev/null path=/dev/nul2 >/dev/null
SOCK=$LXD_DIR/devlxd/sock
export SOCK
in_dl1() { # a request from inside dl1's pid namespace
  nsenter -t "$(lxc query /1.0/instances/dl1/state | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')" --pid -- \
    curl -s --unix-socket "$SOCK" "http://lxd$1"
}
export -f in_dl1

expect socket-in-container lxc exec dl1 -- test -S /dev/lxd/sock
expect socket-mode bash -c "stat -c %a $SOCK | grep -qx 666"
expect root bash -c "in_dl1 / | grep -qx '\[\"/1.0\"\]'"
expect api-version bash -c "in_dl1 /1.0 | grep -q '\"api_version\":\"1.0\"'"
expect config-lists-user-keys bash -c "out=\$(in_dl1 /1.0/config); echo \"\$out\" | grep -q /1.0/config/user.foo && ! echo \"\$out\" | grep -q limits"
expect config-key bash -c "in_dl1 /1.0/config/user.foo | grep -qx bar"
expect non-user-key-hidden bash -c "in_dl1 /1.0/config/limits.processes | grep -q 404"
expect meta-data bash -c "out=\$(in_dl1 /1.0/meta-data); echo \"\$out\" | grep -qx 'instance-id: dl1' && echo \"\$out\" | grep -qx 'hello: world'"
expect devices bash -c "in_dl1 /1.0/devices | grep -q '\"nul\"'"
expect host-caller-refused bash -c "curl -s --unix-socket $SOCK http://lxd/1.0/config | grep -q 404"
expect devlxd-off bash -c "lxc config set dl1 security.devlxd false && lxc restart -f dl1 && ! lxc exec dl1 -- test -e /dev/lxd/sock && in_dl1 /1.0/config | grep -q 404"
