#!/bin/bash
# Instances copied and moved between two servers of ours with the real client (lxc copy c1
# other:c1, lxc move, lxc copy other:c1 c2): upstream's migration protocol in pull mode, the
# files going by rsync over the source operation's "fs" websocket. The copy has the source's
# files and snapshots and starts; refused or failed migrations leave nothing on the target and
# the source as it was.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
OTHER_PID=
other=$WORK/other
cleanup() {
  lxc delete -f c1 c2 c3 c4 >/dev/null 2>&1
  if [[ -n $OTHER_PID ]]; then
    for c in $(LXD_DIR=$other lxc list --format csv -c n 2>/dev/null); do LXD_DIR=$other lxc delete -f "$c" >/dev/null 2>&1; done
    kill -TERM "$OTHER_PID" 2>/dev/null; wait "$OTHER_PID" 2>/dev/null
  fi
  finish
}
trap cleanup EXIT

port=$((20000 + RANDOM % 20000)) port2=$((port + 1))
lxc config set core.https_address "127.0.0.1:$port"
# The other server: its own data dir and pool, HTTPS on loopback, trusting a password.
mkdir -p "$other"
LXD_DIR=$other "$DAEMON" --group root --logfile "$WORK/other.log" >"$WORK/other.out" 2>&1 &
OTHER_PID=$!
LXD_DIR=$other "$DAEMON" waitready --timeout 30 || { echo "other daemon did not start"; exit 1; }
LXD_DIR=$other lxc storage create default dir >/dev/null
LXD_DIR=$other lxc profile device add default root disk path=/ pool=default >/dev/null
LXD_DIR=$other lxc config set core.https_address "127.0.0.1:$port2"
LXD_DIR=$other lxc config set core.trust_password sekret
sleep 1
oapi() { curl -sS --unix-socket "$other/unix.socket" -X "$1" ${3:+-H 'Content-Type: application/json' -d "$3"} "http://lxd$2"; }
ostate() { cat "$other/storage-pools/default/containers/$1/rootfs/root/state"; }
export -f oapi ostate
export other port port2
dir=$LXD_DIR/storage-pools/default

expect "remote add other (trust password)" lxc remote add other "https://127.0.0.1:$port2" --password sekret --accept-certificate
lxc init bb c1 >/dev/null 2>&1
lxc config device add c1 eth0 nic nictype=p2p >/dev/null 2>&1
echo one > "$dir/containers/c1/rootfs/root/state"
lxc snapshot c1 snap0 >/dev/null 2>&1
echo two > "$dir/containers/c1/rootfs/root/state"
lxc snapshot c1 snap1 >/dev/null 2>&1
echo three > "$dir/containers/c1/rootfs/root/state"
uuid=$(lxc config get c1 volatile.uuid)
export uuid dir

expect "lxc copy c1 other:c1" lxc copy c1 other:c1
expect "the copy has the file" bash -c "[ \"\$(ostate c1)\" = three ]"
expect "the copy has both snapshots, with their files" bash -c "oapi GET /1.0/instances/c1/snapshots | grep -q snap0 && oapi GET /1.0/instances/c1/snapshots | grep -q snap1 && [ \"\$(cat $other/storage-pools/default/containers-snapshots/c1/snap0/rootfs/root/state)\" = one ] && [ \"\$(cat $other/storage-pools/default/containers-snapshots/c1/snap1/rootfs/root/state)\" = two ]"
expect "the copy has its own volatile keys" bash -c "[ \"\$(lxc config get other:c1 volatile.uuid)\" != '$uuid' ] && [ -n \"\$(lxc config get other:c1 volatile.uuid)\" ]"
expect "the copy keeps the source's config and devices" bash -c "lxc config device get other:c1 eth0 nictype | grep -qx p2p"
expect "the copy starts and reads its file" bash -c "lxc start other:c1 && [ \"\$(lxc exec other:c1 -- cat /root/state)\" = three ] && [ \"\$(lxc exec other:c1 -- stat -c %u /bin/busybox)\" = 0 ]"
expect "the running copy has a MAC of its own" bash -c "[ -n \"\$(lxc config get other:c1 volatile.eth0.hwaddr)\" ] && [ \"\$(lxc config get other:c1 volatile.eth0.hwaddr)\" != \"\$(lxc config get c1 volatile.eth0.hwaddr)\" ]"
lxc stop -f other:c1 >/dev/null 2>&1
expect "the source is unchanged" bash -c "[ \$(lxc config get c1 volatile.uuid) = '$uuid' ] && [ \"\$(cat $dir/containers/c1/rootfs/root/state)\" = three ] && lxc info c1 | grep -q snap1"
expect "the snapshot restores on the copy" bash -c "lxc restore other:c1 snap0 && [ \"\$(ostate c1)\" = one ]"
expect "no operation left on either side" bash -c "! api GET /1.0/operations | grep -q running && ! oapi GET /1.0/operations | grep -q running"

expect "lxc copy --instance-only" bash -c "lxc copy c1 other:c3 --instance-only && [ \"\$(ostate c3)\" = three ] && ! oapi GET /1.0/instances/c3/snapshots | grep -q snap"
expect "lxc copy other:c3 c4 (the other way)" bash -c "lxc copy other:c3 c4 && [ \"\$(cat $dir/containers/c4/rootfs/root/state)\" = three ]"

# A name the target has: refused before anything is made; the target's instance is untouched.
expect "copy to a name the target has fails" bash -c "! lxc copy c4 other:c1 2>&1"
expect "... leaving the target's instance as it was" bash -c "[ \"\$(ostate c1)\" = one ] && oapi GET /1.0/instances/c1/snapshots | grep -q snap1"
expect "... and no volume or operation behind" bash -c "[ \$(ls $other/storage-pools/default/containers | wc -l) = 2 ] && sleep 11 && ! api GET /1.0/operations | grep -q running"

# Wrong secrets: the target cannot attach, makes nothing and says why.
src=$(api POST /1.0/instances/c4 '{"migration":true}')
opid=$(jq -r .metadata.id <<<"$src")
cert=$(jq -Rs . < "$LXD_DIR/server.crt")
body="{\"name\":\"c9\",\"architecture\":\"x86_64\",\"profiles\":[\"default\"],\"source\":{\"type\":\"migration\",\"mode\":\"pull\",\"operation\":\"https://127.0.0.1:$port/1.0/operations/$opid\",\"certificate\":$cert,\"secrets\":{\"control\":\"00ff\",\"fs\":\"11ee\"}}}"
expect "the source operation offers control and fs websockets" bash -c "[ \$(jq -r '.metadata.class' <<<'$src') = websocket ] && [ \$(jq -r '.metadata.metadata.control' <<<'$src') != null ] && [ \$(jq -r '.metadata.metadata.fs' <<<'$src') != null ]"
expect "bad secrets refused" bash -c "oapi POST /1.0/instances '$body' > $WORK/bad.json; op=\$(jq -r .operation $WORK/bad.json); oapi GET \$op/wait?timeout=30 | tee /dev/stderr | grep -q 'Failure' && oapi GET \$op | grep -qi 'secret\\|403\\|forbidden'"
expect "... nothing made" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --unix-socket $other/unix.socket http://lxd/1.0/instances/c9) = 404 ] && [ ! -e $other/storage-pools/default/containers/c9 ]"
expect "missing secrets refused" bash -c "oapi POST /1.0/instances '${body/\"control\":\"00ff\",/}' > $WORK/bad2.json; op=\$(jq -r .operation $WORK/bad2.json); oapi GET \$op/wait?timeout=30 | grep -q 'Missing control secret'"
expect "the source op ends when no target comes" bash -c "api GET /1.0/operations/$opid/wait?timeout=15 | grep -q 'Timed out waiting for connections'"

lxc start c4 >/dev/null 2>&1
expect "live migration of a running instance is refused, saying so" bash -c "! lxc copy c4 other:c5 2>$WORK/run.err; grep -qi 'live migration is not supported' $WORK/run.err && [ \$(curl -s -o /dev/null -w '%{http_code}' --unix-socket $other/unix.socket http://lxd/1.0/instances/c5) = 404 ]"
expect "a running instance copies with --stateless" bash -c "lxc exec c4 -- sh -c 'echo live > /root/live' && lxc copy c4 other:c5 --stateless && [ \"\$(cat $other/storage-pools/default/containers/c5/rootfs/root/live)\" = live ] && lxc list c4 --format csv -c s | grep -q RUNNING && lxc start other:c5 && lxc stop -f other:c5"
lxc stop -f c4 >/dev/null 2>&1

expect "lxc move c1 other:c2" lxc move c1 other:c2
expect "the moved instance is there with its snapshots" bash -c "[ \"\$(ostate c2)\" = three ] && oapi GET /1.0/instances/c2/snapshots | grep -q snap1"
expect "the source is gone" bash -c "[ \$(status_of GET /1.0/instances/c1) = 404 ] && [ ! -e $dir/containers/c1 ] && [ ! -e $dir/containers-snapshots/c1 ]"
expect "the moved instance starts" bash -c "lxc start other:c2 && lxc exec other:c2 -- cat /root/state | grep -qx three && lxc stop -f other:c2"
