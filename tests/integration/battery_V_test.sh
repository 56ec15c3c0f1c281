#!/bin/bash
# Reliability battery, family V: bad input gets 4xx, changes nothing, and never crashes the daemon.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
lxc init bb v1 >/dev/null 2>&1
etag() { curl -s -D - -o /dev/null --unix-socket "$LXD_DIR/unix.socket" http://lxd/1.0/instances/v1 | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}'; }
export -f etag
before=$(etag)

for name in '' "$(printf 'a%.0s' $(seq 1 64))" '-a' 'a-' '123' 'a_b' 'a.b' 'a b' '../x' 'a/b' '$x'; do
  expect "V-1 name '$name' refused" bash -c "[ \$(status_of POST /1.0/instances '{\"name\":\"$name\",\"source\":{\"type\":\"image\",\"alias\":\"bb\"}}') = 400 ]"
done
expect "V-1 valid names accepted" bash -c "lxc init bb a-1 >/dev/null 2>&1 && lxc delete a-1"
# Empty snapshot names are not in this list: an empty name asks for the next snapN.
for name in '..' 'a/b' 'a b' 'a*' 'a\\b'; do
  expect "V-2 snapshot name '$name' refused" bash -c "[ \$(status_of POST /1.0/instances/v1/snapshots '{\"name\":\"$name\"}') = 400 ]"
done
expect "V-2 no snapshot made" bash -c "[ \"\$(lxc query /1.0/instances/v1/snapshots)\" = '[]' ]"
pools_before=$(lxc storage list -f csv | wc -l)
for name in 'a/b' '..' 'a$b' '-a'; do
  expect "V-2 project name '$name' refused" bash -c "[ \$(status_of POST /1.0/projects '{\"name\":\"$name\"}') = 400 ]"
  expect "V-2 profile name '$name' refused" bash -c "[ \$(status_of POST /1.0/profiles '{\"name\":\"$name\"}') = 400 ]"
  expect "V-2 network name '$name' refused" bash -c "[ \$(status_of POST /1.0/networks '{\"name\":\"$name\",\"type\":\"bridge\",\"config\":{\"ipv4.address\":\"none\",\"ipv6.address\":\"none\"}}') = 400 ]"
  expect "V-2 pool name '$name' refused" bash -c "[ \$(status_of POST /1.0/storage-pools '{\"name\":\"$name\",\"driver\":\"dir\"}') = 400 ]"
done
expect "V-2 nothing created" bash -c "[ \"\$(lxc project list -f csv | wc -l)\" = 1 ] && [ \"\$(lxc profile list -f csv | wc -l)\" = 1 ] && [ \"\$(lxc storage list -f csv | wc -l)\" = $pools_before ] && ! lxc network list -f csv | grep -q '^-a,'"
for body in '' '{"name":"c1"' '{"name":"c1"} trailing' '{"config":[]}' '{"devices":"x"}' '{"name":5}' 'null'; do
  expect "V-3 body '$body' refused" bash -c "s=\$(status_of POST /1.0/profiles '$body'); [ \"\$s\" = 400 ]"
done
expect "V-4 deep nesting refused" bash -c "python3 -c 'print(\"[\"*100000 + \"]\"*100000)' >'$WORK/deep.json' && [ \$(curl -s -o /dev/null -w '%{http_code}' --unix-socket '$LXD_DIR/unix.socket' -X POST --data-binary @'$WORK/deep.json' http://lxd/1.0/profiles) = 400 ]"
expect "V-4 huge body refused" bash -c "head -c 20000000 /dev/zero | tr '\\\\0' x >'$WORK/big.json' && [ \$(curl -s -o /dev/null -w '%{http_code}' --unix-socket '$LXD_DIR/unix.socket' -X POST --data-binary @'$WORK/big.json' http://lxd/1.0/profiles) = 413 ]"
for kv in 'foo.bar=1' 'volatile.x=1' 'limits.memory=abc' 'limits.memory=-1' 'boot.autostart=maybe' 'security.nesting=2'; do
  expect "V-5 $kv refused" bash -c "! lxc config set v1 '${kv%%=*}' '${kv#*=}' 2>/dev/null"
done
expect "V-5 instance unchanged" bash -c "[ \"\$(etag)\" = '$before' ]"
expect "V-5 user keys accepted" bash -c "lxc config set v1 user.ok yes"
expect "V-6 bad key refused through a profile" bash -c "! lxc profile set default foo.bar 1 2>/dev/null"
expect "V-6 bad key refused through PATCH" bash -c "[ \$(status_of PATCH /1.0/instances/v1 '{\"config\":{\"foo.bar\":\"1\"}}') = 400 ]"
for h in 'X-LXD-uid: abc' 'X-LXD-uid: 99999999999' 'X-LXD-mode: 99999' 'X-LXD-type: fifo'; do
  expect "V-7 header '$h' refused" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --unix-socket '$LXD_DIR/unix.socket' -X POST -H '$h' --data-binary x 'http://lxd/1.0/instances/v1/files?path=/root/x') = 400 ]"
done
expect "V-7 nothing written" bash -c "[ ! -e '$LXD_DIR/containers/v1/rootfs/root/x' ]"
expect "V-8 traversal in the path is not found" bash -c "s=\$(status_of GET '/1.0/instances/..%2f..%2fetc'); [ \"\$s\" = 404 ]"
expect "V-8 unknown method refused" bash -c "s=\$(status_of TRACE /1.0); [ \"\$s\" = 405 ]"
expect "V-8 log name traversal refused" bash -c "s=\$(status_of GET '/1.0/instances/v1/logs/..%2F..%2Fetc%2Fshadow'); [ \"\$s\" = 404 ]"
expect "daemon still serves" bash -c "[ \$(status_of GET /1.0) = 200 ]"
lxc delete v1 >/dev/null 2>&1
