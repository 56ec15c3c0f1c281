#!/bin/bash
# Plugins the host must refuse are refused with one log line each, and the daemon serves on.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS:$FIXTURES
start_daemon

expect serves-after-refusals bash -c "api GET /1.0 | grep -q '\"api_version\":\"1.0\"'"
expect wrong-major-refused grep -q 'fixture-wrong-major.so.*ABI' "$WORK/daemon.log"
expect new-minor-refused grep -q 'fixture-new-minor.so.*1\.' "$WORK/daemon.log"
expect no-entry-refused grep -q 'fixture-no-entry.so.*lxdp_plugin_entry_v1' "$WORK/daemon.log"
expect duplicate-refused grep -q 'dupdrv' "$WORK/daemon.log"
expect good-fixture-loaded bash -c "api GET /1.0 | grep -q '\"Name\":\"fixturefs\"'"
expect real-drivers-loaded bash -c "api GET /1.0 | grep -q '\"Name\":\"dir\"'"
expect instance-driver-reported bash -c "api GET /1.0 | grep -q '\"driver\":\"[^\"]*lxc'"
expect manifests-logged grep -q "plugin manifest .*/storage-dir.json: storage-dir (storage:dir), ABI 1\." "$WORK/daemon.log"
