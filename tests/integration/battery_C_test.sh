#!/bin/bash
# Reliability battery, family C: concurrent writers.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
lxc init bb c1 >/dev/null 2>&1
writers=() creators=()
etag=$(curl -s -D - -o /dev/null --unix-socket "$LXD_DIR/unix.socket" http://lxd/1.0/instances/c1 | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
for i in $(seq 1 8); do
  curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$LXD_DIR/unix.socket" -X PUT -H "If-Match: $etag" \
    -H 'Content-Type: application/json' -d "{\"config\":{\"user.writer\":\"$i\"},\"devices\":{},\"profiles\":[\"default\"]}" \
    http://lxd/1.0/instances/c1 >>"$WORK/codes" &
  writers+=($!)
done
wait "${writers[@]}"  # not a bare wait: the daemon is a child too
expect "C-1 exactly one writer wins" bash -c "[ \$(grep -c '^202$' '$WORK/codes') = 1 ] && [ \$(grep -c '^412$' '$WORK/codes') = 7 ]"
expect "C-2 stale ETag refused" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --unix-socket '$LXD_DIR/unix.socket' -X PUT -H 'If-Match: \"stale\"' -H 'Content-Type: application/json' -d '{\"config\":{}}' http://lxd/1.0/instances/c1) = 412 ]"
for i in $(seq 1 10); do
  curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$LXD_DIR/unix.socket" -X POST -H 'Content-Type: application/json' \
    -d '{"name":"same","source":{"type":"image","alias":"bb"}}' http://lxd/1.0/instances >>"$WORK/creates" &
  creators+=($!)
done
wait "${creators[@]}"
sleep 5
expect "C-3 one instance of a name" bash -c "[ \$(lxc list --format csv -c n | grep -c '^same$') = 1 ]"
expect "C-3 one volume of a name" bash -c "[ \$(ls '$LXD_DIR/storage-pools/default/containers' | grep -c '^same$') = 1 ]"
lxc delete same c1 >/dev/null 2>&1
