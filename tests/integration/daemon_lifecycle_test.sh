#!/bin/bash
# The daemon as a process: socket mode, waitready, refusals that change nothing, restart.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
start_daemon

expect socket-mode-0660 bash -c "[ \$(stat -c %a '$LXD_DIR/unix.socket') = 660 ]"
expect unknown-path-404 bash -c "api GET /1.0/nope | grep -q '\"error_code\":404'"
expect bad-json-400 bash -c "api POST /1.0/profiles '{\"name\":' | grep -q '\"error_code\":400'"
expect wrong-type-400 bash -c "api POST /1.0/profiles '{\"name\":5}' | grep -q '\"error_code\":400'"
expect default-profile-undeletable bash -c "api DELETE /1.0/profiles/default | grep -q '\"error_code\":403'"
expect profile-create bash -c "api POST /1.0/profiles '{\"name\":\"p1\",\"config\":{\"user.x\":\"1\"}}' | grep -q '\"status_code\":200'"
expect profile-bad-key-refused bash -c "api PUT /1.0/profiles/p1 '{\"config\":{\"no.such\":\"1\"}}' | grep -q '\"error_code\":400'"
expect profile-unchanged-after-refusal bash -c "api GET /1.0/profiles/p1 | grep -q '\"user.x\":\"1\"'"
expect pool-bad-driver bash -c "api POST /1.0/storage-pools '{\"name\":\"p\",\"driver\":\"nope\"}' | grep -q '\"error_code\":400'"
expect pool-create bash -c "api POST /1.0/storage-pools '{\"name\":\"default\",\"driver\":\"dir\"}' | grep -q '\"status_code\":200'"
expect pool-dir-exists test -d "$LXD_DIR/storage-pools/default"

stop_daemon
start_daemon
expect profile-survives-restart bash -c "api GET /1.0/profiles/p1 | grep -q '\"user.x\":\"1\"'"
expect pool-survives-restart bash -c "api GET /1.0/storage-pools/default | grep -q '\"driver\":\"dir\"'"
expect waitready-answers "$DAEMON" waitready --timeout 5
expect shutdown-stops "$DAEMON" shutdown --timeout 30
DAEMON_PID=
