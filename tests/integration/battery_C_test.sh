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
# Each writer PUTs the config it read plus its own key: a PUT that drops the volatile idmap keys is
# refused (400), as upstream's.
config=$(lxc query /1.0/instances/c1 | jq -c .config)
for i in $(seq 1 8); do
  body=$(jq -c --arg w "$i" '{config: (. + {"user.writer": $w}), devices: {}, profiles: ["default"]}' <<<"$config")
  curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$LXD_DIR/unix.socket" -X PUT -H "If-Match: $etag" \
    -H 'Content-Type: application/json' -d "$body" \
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

# C-4: 8 x nproc loops of launch, exec and delete at once, and copies racing file pushes: every
# round succeeds (each exec prints its output) and nothing is left behind.
loops=() n=$((8 * $(nproc)))
for i in $(seq 1 $n); do
  ( for round in 1 2; do
      if out=$(lxc launch -q bb "k$i" 2>&1) && out=$(lxc exec "k$i" -- echo ok 2>&1) && [ "$out" = ok ] &&
        out=$(lxc delete -f "k$i" 2>&1); then
        echo ok
      else
        echo "k$i round $round: $(tr '\n' ' ' <<<"$out")"
        lxc delete -f "k$i" >/dev/null 2>&1
      fi
    done >>"$WORK/c4" ) &
  loops+=($!)
done
wait "${loops[@]}"
echo "C-4 $(grep -c '^ok$' "$WORK/c4") of $((2 * n)) parallel launch/exec/delete rounds succeeded after $n loops"
grep -v '^ok$' "$WORK/c4" | sed 's/^/C-4 failed: /'
expect "C-4 $n parallel launch/exec/delete loops: every round succeeded" bash -c "[ \$(grep -c '^ok$' '$WORK/c4') = $((2 * n)) ] && [ -z \"\$(lxc list -f csv -c n | grep '^k')\" ]"
lxc launch bb src >/dev/null 2>&1
echo pushed >"$WORK/pushed"
pushes=()
for i in $(seq 1 8); do
  lxc copy src "cp$i" >/dev/null 2>&1 &
  pushes+=($!)
  lxc file push "$WORK/pushed" "src/root/p$i" >>"$WORK/c4push" 2>&1 &
  pushes+=($!)
done
wait "${pushes[@]}"
expect "C-4 copies and pushes raced cleanly" bash -c "[ \$(lxc list -f csv -c n | grep -c '^cp') = 8 ] && [ \$(lxc exec src -- ls /root | grep -c '^p') = 8 ] && ! grep -qi 'forkfile\|error' '$WORK/c4push'"
lxc delete -f src cp1 cp2 cp3 cp4 cp5 cp6 cp7 cp8 >/dev/null 2>&1
expect "C-4 no instance left" bash -c "[ -z \"\$(lxc list -f csv -c n)\" ]"
