#!/bin/bash
# Snapshots, restore and copies of a real container, through the lxc client and the REST API;
# every refusal must change nothing.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
pool=$LXD_DIR/storage-pools/default
lxc launch bb c1 >/dev/null 2>&1
lxc exec c1 -- sh -c 'echo one > /root/state'
snapshots() { api GET "/1.0/instances/$1/snapshots"; }
export -f snapshots

# Refusals first: none may leave a snapshot behind.
expect snapshot-missing-instance-404 bash -c "[ \$(status_of POST /1.0/instances/nope/snapshots '{\"name\":\"s\"}') = 404 ]"
expect snapshot-name-slash-400 bash -c "[ \$(status_of POST /1.0/instances/c1/snapshots '{\"name\":\"a/b\"}') = 400 ]"
expect snapshot-name-space-400 bash -c "[ \$(status_of POST /1.0/instances/c1/snapshots '{\"name\":\"a b\"}') = 400 ]"
expect snapshot-stateful-400 bash -c "[ \$(status_of POST /1.0/instances/c1/snapshots '{\"name\":\"s\",\"stateful\":true}') = 400 ]"
expect snapshot-bad-expiry-400 bash -c "[ \$(status_of POST /1.0/instances/c1/snapshots '{\"name\":\"s\",\"expires_at\":\"soon\"}') = 400 ]"
expect refusals-made-nothing bash -c "snapshots c1 | grep -q '\"metadata\":\[\]' && [ ! -e '$pool/containers-snapshots/c1' ]"

expect snapshot-running lxc snapshot c1 snap0
expect snapshot-leaves-instance-running bash -c "lxc list -c s --format csv c1 | grep -qx RUNNING"
expect snapshot-volume-exists test -f "$pool/containers-snapshots/c1/snap0/rootfs/root/state"
expect snapshot-listed-as-url bash -c "snapshots c1 | grep -q '\"/1.0/instances/c1/snapshots/snap0\"'"
expect snapshot-recursion-objects bash -c "api GET '/1.0/instances/c1/snapshots?recursion=1' | grep -q '\"expanded_devices\"'"
expect snapshot-get-one-etag bash -c "curl -si --unix-socket '$LXD_DIR/unix.socket' http://lxd/1.0/instances/c1/snapshots/snap0 | grep -qi '^etag:'"
expect snapshot-in-lxc-info bash -c "lxc info c1 | grep -q snap0"
expect snapshot-in-recursion-2 bash -c "api GET '/1.0/instances?recursion=2' | grep -q '\"snapshots\":\[{'"
expect snapshot-duplicate-409 bash -c "[ \$(status_of POST /1.0/instances/c1/snapshots '{\"name\":\"snap0\"}') = 409 ]"
expect snapshot-default-name bash -c "lxc snapshot c1 && snapshots c1 | grep -q '/snapshots/snap1\"'"
expect snapshot-expiry-patch bash -c "lxc query -X PATCH -d '{\"expires_at\":\"2030-01-01T00:00:00Z\"}' /1.0/instances/c1/snapshots/snap1 >/dev/null && api GET /1.0/instances/c1/snapshots/snap1 | grep -q '\"expires_at\":\"2030-01-01T00:00:00Z\"'"
expect snapshot-rename-taken-409 bash -c "[ \$(status_of POST /1.0/instances/c1/snapshots/snap1 '{\"name\":\"snap0\"}') = 409 ]"
expect snapshot-rename-missing-404 bash -c "[ \$(status_of POST /1.0/instances/c1/snapshots/nope '{\"name\":\"x\"}') = 404 ]"
expect snapshot-rename bash -c "lxc query -X POST -d '{\"name\":\"later\"}' --wait /1.0/instances/c1/snapshots/snap1 >/dev/null && snapshots c1 | grep -q '/snapshots/later\"' && [ -d '$pool/containers-snapshots/c1/later' ] && [ ! -e '$pool/containers-snapshots/c1/snap1' ]"

# Restore: refusals change nothing; a restore brings back content and config, and a running
# instance runs again afterwards.
lxc exec c1 -- sh -c 'echo two > /root/state'
lxc config set c1 user.after snapshot
expect restore-missing-404 bash -c "[ \$(status_of PUT /1.0/instances/c1 '{\"restore\":\"nope\"}') = 404 ]"
expect restore-other-instance-400 bash -c "[ \$(status_of PUT /1.0/instances/c1 '{\"restore\":\"c9/snap0\"}') = 400 ]"
expect restore-refusals-changed-nothing bash -c "[ \"\$(lxc exec c1 -- cat /root/state)\" = two ]"
expect restore lxc restore c1 snap0
expect restore-content bash -c "[ \"\$(lxc exec c1 -- cat /root/state)\" = one ]"
expect restore-config bash -c "[ -z \"\$(lxc config get c1 user.after)\" ]"
expect restore-running-again bash -c "lxc list -c s --format csv c1 | grep -qx RUNNING"
expect restore-bare-name bash -c "lxc query -X PUT -d '{\"restore\":\"snap0\"}' --wait /1.0/instances/c1 >/dev/null"

# Copies: refusals leave nothing; copies carry content, snapshots (unless instance-only), a
# new identity and their own name, and the data is not shifted a second time.
expect copy-missing-source-404 bash -c "[ \$(status_of POST /1.0/instances '{\"name\":\"c9\",\"source\":{\"type\":\"copy\",\"source\":\"nope\"}}') = 404 ]"
expect copy-missing-snapshot-404 bash -c "[ \$(status_of POST /1.0/instances '{\"name\":\"c9\",\"source\":{\"type\":\"copy\",\"source\":\"c1/nope\"}}') = 404 ]"
expect copy-existing-name-409 bash -c "[ \$(status_of POST /1.0/instances '{\"name\":\"c1\",\"source\":{\"type\":\"copy\",\"source\":\"c1\"}}') = 409 ]"
expect copy-refusals-made-nothing bash -c "[ \$(status_of GET /1.0/instances/c9) = 404 ] && [ ! -e '$pool/containers/c9' ]"
expect copy lxc copy c1 c2
expect copy-has-snapshots bash -c "snapshots c2 | grep -q '/snapshots/snap0\"' && snapshots c2 | grep -q '/snapshots/later\"' && [ -d '$pool/containers-snapshots/c2/later' ]"
expect copy-new-uuid bash -c "[ \"\$(lxc config get c1 volatile.uuid)\" != \"\$(lxc config get c2 volatile.uuid)\" ]"
expect copy-not-shifted-twice bash -c "[ \$(stat -c %u '$pool/containers/c1/rootfs/root/state') = \$(stat -c %u '$pool/containers/c2/rootfs/root/state') ]"
expect copy-starts lxc start c2
expect copy-refresh-running-target-400 bash -c "[ \$(status_of POST /1.0/instances '{\"name\":\"c2\",\"source\":{\"type\":\"copy\",\"source\":\"c1\",\"refresh\":true}}') = 400 ]"
expect copy-content bash -c "[ \"\$(lxc exec c2 -- cat /root/state)\" = one ]"
expect copy-own-hostname bash -c "[ \"\$(lxc exec c2 -- hostname)\" = c2 ] && [ \"\$(lxc exec c2 -- cat /etc/hostname)\" = c2 ]"
expect copy-instance-only bash -c "lxc copy c1 c3 --instance-only && snapshots c3 | grep -q '\"metadata\":\[\]'"
expect copy-from-snapshot bash -c "lxc copy c1/snap0 c4 && snapshots c4 | grep -q '\"metadata\":\[\]' && [ \"\$(cat '$pool/containers/c4/rootfs/root/state')\" = one ]"
# The recursion-2 list reads every instance's snapshots at once: each must get its own, and an
# instance without any gets null.
expect recursion-2-snapshots-per-instance bash -c "api GET '/1.0/instances?recursion=2' | python3 -c '
import json, sys
got = {i[\"name\"]: i[\"snapshots\"] and sorted(s[\"name\"] for s in i[\"snapshots\"]) for i in json.load(sys.stdin)[\"metadata\"]}
assert got == {\"c1\": [\"later\", \"snap0\"], \"c2\": [\"later\", \"snap0\"], \"c3\": None, \"c4\": None}, got
'"

# Snapshots follow their instance through a rename and go with it.
lxc stop -f c2 >/dev/null 2>&1
expect rename-takes-snapshots bash -c "lxc move c2 c5 && snapshots c5 | grep -q '/snapshots/snap0\"' && [ -d '$pool/containers-snapshots/c5/snap0' ] && [ \$(status_of GET /1.0/instances/c2/snapshots) = 404 ]"
expect snapshot-delete bash -c "lxc delete c1/snap0 && ! snapshots c1 | grep -q snap0 && [ ! -e '$pool/containers-snapshots/c1/snap0' ]"
expect snapshot-delete-missing-404 bash -c "[ \$(status_of DELETE /1.0/instances/c1/snapshots/snap0) = 404 ]"
expect delete-takes-snapshots bash -c "lxc delete -f c5 && [ ! -e '$pool/containers-snapshots/c5' ] && [ \$(status_of GET /1.0/instances/c5/snapshots) = 404 ]"
lxc delete -f c1 c3 c4 >/dev/null 2>&1
expect nothing-left bash -c "[ -z \"\$(ls '$pool/containers' '$pool/containers-snapshots' 2>/dev/null | grep -v ':$' | grep -v '^$')\" ]"
