#!/bin/bash
# pylxd 2.2 (Debian's python3-pylxd), unchanged, against the daemon.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
[[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import pylxd' 2>/dev/null || { echo "SKIP: python3-pylxd is not installed"; exit 0; }
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
# pylxd uploads the image itself: an image already there would be refused as a duplicate, as upstream does.
lxc image delete bb
expect pylxd-client-flow timeout 300 /usr/bin/python3 "$here/pylxd/client_flow.py" "$WORK/bb.tar.gz"
# The wide scenario (images, profiles, pools and volumes, networks, containers, snapshots, the
# raw API for instances and projects, operations, cluster): its output as upstream LXD 5.0.2
# gives it, but where wide_scenario.expected says why this daemon answers otherwise.
expect pylxd-wide-scenario bash -c "cd '$WORK' && timeout 300 /usr/bin/python3 '$here/pylxd/wide_scenario.py' '$WORK/bb.tar.gz' lxdpws0 2>/dev/null |
  grep -E '^(ok |err)' | diff <(grep -v '^#' '$here/pylxd/wide_scenario.expected') -"
