#!/bin/bash
# Instances copied between this daemon and upstream LXD 5.0.2 (Debian's lxd package) with the real
# client, both ways (lxc copy c1 up:c1, lxc copy up:u1 u1): each end speaks upstream's migration
# protocol to the other. The copy has the source's files and snapshots and starts; a running
# instance copies with --stateless.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/upstream_lxd.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
start_upstream
port=$((20000 + RANDOM % 20000)) port2=$((port + 1))
ours config set core.https_address "127.0.0.1:$port"
expect upstream-setup bash -c "upstream storage create default dir >/dev/null && upstream profile device add default root disk path=/ pool=default >/dev/null && upstream image import '$WORK/bb.tar.gz' --alias bb >/dev/null && upstream config set core.https_address 127.0.0.1:$port2 && upstream config set core.trust_password sekret"
expect "remote add up (upstream, trust password)" lxc remote add up "https://127.0.0.1:$port2" --password sekret --accept-certificate

# copied FROM TO NAME: the copy on TO's daemon is whole (arrived), its ids shifted right (root
# owns /bin/busybox); then both go.
copied() {
  local from=$1 to=$2 name=$3
  arrived "$from-to-$to" "$to" "$name"
  expect "$from-to-$to-owner" bash -c "[ \"\$($to exec $name -- stat -c %u /bin/busybox)\" = 0 ]"
  "$to" delete -f "$name" >/dev/null 2>&1
  "$from" delete -f "$name" >/dev/null 2>&1
}

expect ours-make bash -c 'make_with_snapshots ours c1 && ours stop -f c1'
expect "lxc copy c1 up:c1 (ours to upstream)" lxc copy c1 up:c1
copied ours upstream c1
expect upstream-make bash -c 'make_with_snapshots upstream u1 && upstream stop -f u1'
expect "lxc copy up:u1 u1 (upstream to ours)" lxc copy up:u1 u1
copied upstream ours u1

# A running instance goes without its state (--stateless): its files twice, the second time frozen.
expect "lxc copy --stateless of a running instance, ours to upstream" bash -c "ours launch bb r1 >/dev/null && ours exec r1 -- sh -c 'echo live > /root/state' && lxc copy r1 up:r1 --stateless && upstream start r1 && state_is upstream r1 live"
expect "lxc copy --stateless of a running instance, upstream to ours" bash -c "lxc copy up:r1 r2 --stateless && ours start r2 && state_is ours r2 live"
for c in r1 r2; do ours delete -f $c >/dev/null 2>&1; upstream delete -f $c >/dev/null 2>&1; done
