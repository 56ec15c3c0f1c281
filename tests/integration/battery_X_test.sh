#!/bin/bash
# Reliability battery, family X: command and config injection.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
lxc init bb x1 >/dev/null 2>&1
pwn=$(mktemp -u /tmp/lxdp-pwn.XXXXXX)
trap 'rm -f "$pwn"; finish' EXIT

for algo in ls "zstd -d -f --pass-through -o $pwn -- /bin/busybox" "gzip; touch $pwn" "\$(touch $pwn)" "gzip -o $pwn"; do
  expect "X-1 compression '$algo' refused" bash -c "[ \$(status_of POST /1.0/instances/x1/backups '{\"name\":\"b\",\"compression_algorithm\":\"$algo\"}') = 400 ]"
  expect "X-1 compression '$algo' refused in the server config" bash -c "! lxc config set backups.compression_algorithm '$algo' 2>/dev/null"
done
expect "X-1 no canary created" test ! -e "$pwn"
expect "X-1 no backup made" bash -c "[ -z \"\$(ls '$LXD_DIR/backups/instances/' 2>/dev/null)\" ]"
for kv in 'environment.X=a\nlxc.hook.pre-start=/bin/true' 'environment.X=a\rb' 'linux.sysctl.net.x=1\nlxc.init.cmd=/x' 'limits.kernel.nofile=1\nlxc.mount.entry=/ x none bind'; do
  key=${kv%%=*} value=${kv#*=}
  expect "X-2 newline in $key refused" bash -c "[ \$(status_of PATCH /1.0/instances/x1 '{\"config\":{\"$key\":\"$value\"}}') = 400 ] || [ \"\$(lxc config get x1 '$key')\" = '' ]"
done
# raw.lxc is root's own escape hatch (hooks allowed, as upstream), but never the daemon's keys.
expect "X-2 raw.lxc may not redirect the log" bash -c "! lxc config set x1 raw.lxc 'lxc.log.file = $pwn' 2>/dev/null"
expect "X-2 lxc.conf gains no line" bash -c "lxc start x1 >/dev/null 2>&1; ! grep -rqE 'lxc.init.cmd = /x|lxc.mount.entry = / x|$pwn' '$LXD_DIR/logs/x1/config' 2>/dev/null; r=\$?; lxc stop -f x1 >/dev/null 2>&1; exit \$r"
for name in "a'b" 'a"b' 'a`id`' 'a$(id)' 'a;b'; do
  python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "source": {"type": "image", "alias": "bb"}}))' "$name" >"$WORK/body.json"
  expect "X-3 name $name refused" bash -c "[ \$(curl -s -o /dev/null -w '%{http_code}' --unix-socket '$LXD_DIR/unix.socket' -X POST --data-binary @'$WORK/body.json' http://lxd/1.0/instances) = 400 ]"
done
expect "X-3 no canary created" test ! -e "$pwn"
expect "X-4 nvidia.driver.capabilities with metacharacters refused" bash -c "! lxc config set x1 nvidia.driver.capabilities 'compute;touch $pwn' 2>/dev/null"
expect "X-4 nvidia.require.cuda with metacharacters refused" bash -c "! lxc config set x1 nvidia.require.cuda '>=11 \$(touch $pwn)' 2>/dev/null"
expect "X-4 valid nvidia values accepted" bash -c "lxc config set x1 nvidia.driver.capabilities compute,utility && lxc config set x1 nvidia.require.cuda '>=11.0' && lxc config unset x1 nvidia.driver.capabilities && lxc config unset x1 nvidia.require.cuda"
# X-5: YAML through the preseed: aliases (billion laughs), deep nesting, a large scalar, a language tag.
laughs() { echo 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'; for i in b c d e f g h i; do p=$(printf '%s' "$i" | tr 'b-i' 'a-h'); echo "$i: &$i [*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p]"; done; }
export -f laughs
laughs >"$WORK/laughs.yaml"
python3 -c 'print("[" * 100000 + "]" * 100000)' >"$WORK/deep.yaml"
{ printf 'config: {user.x: '; head -c 67108864 /dev/zero | tr '\0' x; echo '}'; } >"$WORK/big.yaml"
echo 'config: !!python/object/apply:os.system ["touch '"$pwn"'"]' >"$WORK/tag.yaml"
preseed() { # preseed FILE PATTERN: refused with PATTERN; prints the seconds it took
  local t0 out
  t0=$(date +%s%N)
  out=$(timeout 20 "$DAEMON" init --preseed <"$1" 2>&1)
  echo "$(basename "$1"): refused in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  grep -qi "$2" <<<"$out"
}
export -f preseed
export DAEMON
# The battery asks < 1 s on an idle machine; the time is printed, the check allows a loaded one.
expect "X-5 billion laughs refused" preseed "$WORK/laughs.yaml" alias
expect "X-5 100 000-deep nesting refused" preseed "$WORK/deep.yaml" 'nests too deeply'
expect "X-5 a 64 MiB scalar refused" preseed "$WORK/big.yaml" 'larger than'
expect "X-5 python tag changes nothing" bash -c "preseed '$WORK/tag.yaml' . ; [ ! -e '$pwn' ]"
expect "daemon still serves" bash -c "[ \$(status_of GET /1.0) = 200 ]"
echo "X-6 skip: security.ipv4_filtering and network ACLs are not implemented"
lxc delete -f x1 >/dev/null 2>&1
