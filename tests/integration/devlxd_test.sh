#!/bin/bash
# /dev/lxd: the socket shows in a container, answers for the instance its caller runs in
# (a client put into the container's pid namespace with nsenter), only user.* keys; events of
# its own config and device changes over a websocket; image export with security.devlxd.images;
# nobody else gets an answer; security.devlxd=false takes it away.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
trap 'lxc delete -f dl1 dl2 >/dev/null 2>&1; finish' EXIT
start_daemon
setup_base

lxc launch bb dl1 -c user.foo=bar -c user.meta-data="hello: world" -c limits.processes=500 >/dev/null
lxc config device add dl1 nul unix-char source=/dev/null path=/dev/nul2 >/dev/null
SOCK=$LXD_DIR/devlxd/sock
export SOCK
dl1_pid() { lxc query /1.0/instances/dl1/state | sed -n 's/.*"pid": \([0-9]*\).*/\1/p'; }
in_dl1() { # a request from inside dl1's pid namespace
  nsenter -t "$(dl1_pid)" --pid -- curl -s --unix-socket "$SOCK" "http://lxd$1"
}
export -f dl1_pid in_dl1

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
# Events: a websocket of the instance's own config and device changes, filtered by ?type=.
events_in_dl1() { # QUERY SECONDS: what a listener inside dl1 receives
  nsenter -t "$(dl1_pid)" --pid -- python3 "$here/devlxd_events.py" "$SOCK" "$1" "$2"
}
status_in_dl1() { # PATH: the HTTP status of a request from inside dl1, the body in $WORK/devlxd-body
  nsenter -t "$(dl1_pid)" --pid -- curl -s -o "$WORK/devlxd-body" -w '%{http_code}' --unix-socket "$SOCK" "http://lxd$1"
}
export -f status_in_dl1; export WORK
events_in_dl1 "" 8 >"$WORK/ev-all" &
listeners=$!
events_in_dl1 "?type=device" 8 >"$WORK/ev-dev" &
listeners+=" $!"
for _ in $(seq 50); do grep -q 101 "$WORK/ev-all" && grep -q 101 "$WORK/ev-dev" && break; sleep 0.1; done
lxc config set dl1 user.foo baz
lxc config set dl1 limits.processes 600
lxc config device add dl1 nul3 unix-char source=/dev/null path=/dev/nul3 >/dev/null
lxc config device remove dl1 nul3 >/dev/null
lxc launch bb dl2 -c user.foo=other >/dev/null 2>&1
lxc config set dl2 user.foo changed
wait $listeners
expect events-upgraded grep -qx 101 "$WORK/ev-all"
expect events-config bash -c "grep -q '\"metadata\":{\"key\":\"user.foo\",\"old_value\":\"bar\",\"value\":\"baz\"}.*\"type\":\"config\"' '$WORK/ev-all'"
expect events-user-keys-only bash -c "! grep -q limits '$WORK/ev-all'"
expect events-device-added bash -c "grep -q '\"action\":\"added\",\"config\":{[^}]*},\"name\":\"nul3\"' '$WORK/ev-all'"
expect events-device-removed bash -c "grep -q '\"action\":\"removed\",\"config\":{[^}]*},\"name\":\"nul3\"' '$WORK/ev-all'"
expect events-own-instance-only bash -c "! grep -q changed '$WORK/ev-all'"
expect events-type-filter bash -c "grep -q nul3 '$WORK/ev-dev' && ! grep -q '\"type\":\"config\"' '$WORK/ev-dev'"
expect events-bad-type-400 bash -c "[ \$(status_in_dl1 '/1.0/events?type=nope') = 400 ]"
lxc delete -f dl2 >/dev/null 2>&1

# Images: only with security.devlxd.images=true, and only public (or cached) ones.
fp=$(lxc query /1.0/images/aliases/bb | sed -n 's/.*"target": "\([0-9a-f]*\)".*/\1/p')
expect image-export-off-403 bash -c "[ \$(status_in_dl1 /1.0/images/$fp/export) = 403 ]"
lxc config set dl1 security.devlxd.images true
expect image-export-private-404 bash -c "[ \$(status_in_dl1 /1.0/images/$fp/export) = 404 ]"
expect image-export-missing-404 bash -c "[ \$(status_in_dl1 /1.0/images/0000/export) = 404 ]"
lxc query -X PATCH -d '{"public":true}' "/1.0/images/$fp" >/dev/null
expect image-export-public bash -c "[ \$(status_in_dl1 /1.0/images/$fp/export) = 200 ] && [ \$(sha256sum < '$WORK/devlxd-body' | cut -d' ' -f1) = $fp ]"

expect devlxd-off bash -c "lxc config set dl1 security.devlxd false && lxc restart -f dl1 && ! lxc exec dl1 -- test -e /dev/lxd/sock && in_dl1 /1.0/config | grep -q 404"
