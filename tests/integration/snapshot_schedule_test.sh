#!/bin/bash
# Scheduled snapshots and expiry through the daemon's minutely task, with the real client:
# snapshots.schedule (running instances, stopped ones only with snapshots.schedule.stopped),
# snapshots.pattern with the creation_date template, snapshots.expiry on new snapshots, and the
# deletion of expired snapshots, with their lifecycle events. Waits for one task run (<= 70 s).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
cleanup() {
  [[ -n ${MONITOR_PID:-} ]] && kill "$MONITOR_PID" 2>/dev/null
  lxc delete -f run stopped-yes stopped-no >/dev/null 2>&1
  finish
}
trap cleanup EXIT
start_daemon
setup_base
pool=$LXD_DIR/storage-pools/default
names() { lxc query "/1.0/instances/$1/snapshots" | grep -o "snapshots/[^\"]*" | sed 's|snapshots/||'; }
export -f names

# Refusals change nothing.
lxc init bb stopped-no >/dev/null 2>&1
expect schedule-startup-refused bash -c "! lxc config set stopped-no snapshots.schedule @startup"
expect schedule-six-fields-refused bash -c "! lxc config set stopped-no snapshots.schedule '* * * * * *'"
expect schedule-out-of-range-refused bash -c "! lxc config set stopped-no snapshots.schedule '61 * * * *'"
expect expiry-bad-unit-refused bash -c "! lxc config set stopped-no snapshots.expiry 3x"
expect refusals-changed-nothing bash -c "[ -z \"\$(lxc config get stopped-no snapshots.schedule)\" ] && [ -z \"\$(lxc config get stopped-no snapshots.expiry)\" ]"
expect schedule-aliases-accepted bash -c "lxc config set stopped-no snapshots.schedule '@hourly, @daily, @midnight, @weekly, @monthly, @annually, @yearly, 0 6 * jan-mar mon-fri' && lxc config unset stopped-no snapshots.schedule"

# snapshots.expiry gives new snapshots an expiry; an explicit one wins.
lxc config set stopped-no snapshots.expiry 2H
expect expiry-set-on-new-snapshot bash -c "lxc snapshot stopped-no manual && e=\$(lxc query /1.0/instances/stopped-no/snapshots/manual | grep -o '\"expires_at\": \"[^\"]*' | cut -d'\"' -f4) && d=\$(( \$(date -d \"\$e\" +%s) - \$(date +%s) )) && [ \$d -gt 7000 ] && [ \$d -le 7200 ]"
expect expiry-explicit-zero-wins bash -c "lxc query -X POST -d '{\"name\":\"keep\",\"expires_at\":\"0001-01-01T00:00:00Z\"}' --wait /1.0/instances/stopped-no/snapshots >/dev/null && lxc query /1.0/instances/stopped-no/snapshots/keep | grep -q '\"expires_at\": \"0001-01-01T00:00:00Z\"'"
lxc config unset stopped-no snapshots.expiry
# One that has expired already: the task deletes it.
lxc snapshot stopped-no old >/dev/null 2>&1
lxc query -X PATCH -d '{"expires_at":"2000-01-01T00:00:00Z"}' /1.0/instances/stopped-no/snapshots/old >/dev/null

lxc launch bb run >/dev/null 2>&1
lxc config set run snapshots.schedule '* * * * *'
lxc config set run snapshots.pattern "{{ creation_date|date:'2006-01-02_15-04-05' }}"
lxc init bb stopped-yes >/dev/null 2>&1
lxc config set stopped-yes snapshots.schedule '* * * * *'
lxc config set stopped-yes snapshots.schedule.stopped true
lxc config set stopped-yes snapshots.pattern 'auto%d'
lxc config set stopped-no snapshots.schedule '* * * * *'
lxc monitor --type=lifecycle >"$WORK/events" 2>&1 &
MONITOR_PID=$!

# Wait for a run of the task: at most a minute and a few seconds.
for _ in $(seq 70); do
  [[ -n $(names run) && -n $(names stopped-yes) ]] && ! names stopped-no | grep -qx old && break
  sleep 1
done
sleep 2
expect running-instance-snapshotted bash -c "names run | grep -Eqx '[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}-[0-9]{2}-[0-9]{2}'"
expect scheduled-snapshot-has-volume bash -c "for s in \$(names run); do [ -d '$pool/containers-snapshots/run/'\$s/rootfs ] || exit 1; done"
expect stopped-with-flag-snapshotted bash -c "names stopped-yes | grep -qx auto0"
expect stopped-without-flag-not-snapshotted bash -c "[ \"\$(names stopped-no | sort | tr '\n' ' ')\" = 'keep manual ' ]"
expect expired-snapshot-deleted bash -c "! names stopped-no | grep -qx old && [ ! -e '$pool/containers-snapshots/stopped-no/old' ]"
expect unexpired-snapshot-kept bash -c "[ -d '$pool/containers-snapshots/stopped-no/manual' ]"
expect created-event bash -c "grep -q 'instance-snapshot-created' '$WORK/events' && grep -q '/1.0/instances/stopped-yes/snapshots/auto0' '$WORK/events'"
expect deleted-event bash -c "grep -q 'instance-snapshot-deleted' '$WORK/events' && grep -q '/1.0/instances/stopped-no/snapshots/old' '$WORK/events'"
expect still-running bash -c "lxc list -c s --format csv run | grep -qx RUNNING"
