#!/bin/bash
# On a kernel without mount_setattr (before 5.12; here a seccomp filter answers it with ENOSYS) the
# daemon and lxdp-forkstart cannot move their files onto read-only mounts (exe_seal.h): they say
# so and run unsealed, and everything else works as before.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
python3 "$here/without_mount_setattr.py" "$DAEMON" --group root --logfile "$WORK/daemon.log" --verbose >"$WORK/daemon.out" 2>&1 &
DAEMON_PID=$!
"$DAEMON" waitready --timeout 30 || { echo "daemon did not start"; cat "$WORK/daemon.out"; exit 1; }
cc -static -O1 -o "$WORK/proc_exe_writer" "$here/proc_exe_writer.c"
unsealed() { "$WORK/proc_exe_writer" --pid "$1" | tee /dev/stderr | grep -q "^foreign $1 .* ro=0$"; }
monitor_of() { ps -o ppid= -p "$(lxc query "/1.0/instances/$1/state" | jq -r .pid)" | tr -d ' '; }
export -f unsealed monitor_of; export WORK
expect "the daemon says it runs unsealed, and why" grep -q "^Warning: the daemon runs unsealed.*Function not implemented" "$WORK/daemon.out"
expect "the daemon runs unsealed" unsealed "$DAEMON_PID"
expect "the daemon serves" bash -c "[ \$(status_of GET /1.0) = 200 ]"
setup_base
expect "a container starts" lxc launch bb f1
expect "its monitor runs unsealed" bash -c "unsealed \$(monitor_of f1)"
expect "exec works" bash -c "[ \"\$(lxc exec f1 -- echo hi)\" = hi ]"
lxc delete -f f1 >/dev/null 2>&1
