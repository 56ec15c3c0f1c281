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
# X-6: a bridged NIC with security.ipv4_filtering (the row's network ACL half is not run: network
# ACLs are not in the LXD 4.0 spec, no network_acl in spec/lxd-4.0-documentation.txt). From
# inside, the container sends ARP with a sender address not its own (busybox arping -s, and the
# ARP a ping from a secondary address triggers) and IP with a spoofed source (ping -I); the
# host's neighbour table on the bridge and the replies from the bridge's address show what
# reached the host. Then the NIC's filter cannot be loaded (a table of the same name held by
# another nft with "flags owner"): a start or a hot-plug is refused with nothing left, and a
# filter turned on in place (device_update) leaves the NIC cut off (deny-all), never unfiltered.
# Addresses: 198.18.66.0/24 on a bridge the test makes; nothing leaves the machine.
if command -v nft >/dev/null; then
  BR=lxdpx6br HOST=lxdpx6h HOST2=lxdpx6h2 OWN=198.18.66.2 SPOOF=198.18.66.77
  export BR HOST HOST2 OWN SPOOF
  holder=
  release_tables() { [ -n "$holder" ] || return 0; exec 8>&-; wait "$holder"; holder=; }
  x6_cleanup() { release_tables; lxc delete -f x6 >/dev/null 2>&1; lxc network delete $BR >/dev/null 2>&1; ip link del $BR 2>/dev/null; true; }
  trap 'rm -f "$pwn"; x6_cleanup; finish' EXIT
  lxc network create $BR ipv4.address=198.18.66.1/24 ipv4.nat=false ipv6.address=none >/dev/null
  lxc init bb x6 >/dev/null
  lxc config device add x6 eth0 nic network=$BR host_name=$HOST ipv4.address=$OWN >/dev/null
  # probes: the container's own address and a spoofed one on eth0; prints what the host saw.
  probes() {
    lxc exec x6 -- sh -c "ip link set eth0 up; ip addr flush dev eth0; ip addr add $OWN/24 dev eth0;
      ip addr add $SPOOF/24 dev eth0; sleep 1" >/dev/null 2>&1
    ip neigh flush dev $BR
    lxc exec x6 -- ping -c 1 -W 2 -I $OWN 198.18.66.1 >/dev/null 2>&1 && echo own-ping
    lxc exec x6 -- arping -c 2 -w 2 -s $SPOOF -I eth0 198.18.66.1 >/dev/null 2>&1 && echo spoofed-arp-answered
    lxc exec x6 -- ping -c 2 -W 2 -I $SPOOF 198.18.66.1 >/dev/null 2>&1 && echo spoofed-ping
    ip neigh show $SPOOF dev $BR | grep -q lladdr && echo spoofed-neighbour
    true
  }
  eth0_index() { lxc exec x6 -- cat /sys/class/net/eth0/ifindex; }
  export -f probes eth0_index
  # The forced apply error: the NICs' table names held by an nft that owns them.
  hold_tables() {
    mkfifo "$WORK/nft-in"
    nft -i <"$WORK/nft-in" >"$WORK/nft-out" 2>&1 &
    holder=$!
    exec 8>"$WORK/nft-in"
    rm -f "$WORK/nft-in"
    local t
    for t in "$@"; do echo "add table bridge $t { flags owner; }" >&8; done
    for t in "$@"; do
      for _ in $(seq 20); do nft list tables bridge | grep -qw "$t" && break; sleep 0.2; done
    done
  }
  # The control: without the filter every probe reaches the host.
  expect "X-6 control: unfiltered, the spoofed ARP and IP reach the host" bash -c "lxc start x6 && out=\$(probes) && echo \"\$out\" &&
    [ \"\$(echo \$out)\" = 'own-ping spoofed-arp-answered spoofed-ping spoofed-neighbour' ]"
  lxc stop -f x6
  lxc config device set x6 eth0 security.ipv4_filtering=true
  expect "X-6 filtered: only the container's own traffic reaches the host" bash -c "lxc start x6 && out=\$(probes) && echo \"\$out\" && [ \"\$(echo \$out)\" = own-ping ]"
  lxc stop -f x6
  hold_tables lxdpp_$HOST lxdpp_$HOST2
  expect "X-6 the clashing tables are in place" bash -c "nft list tables bridge | grep -qw lxdpp_$HOST && nft list tables bridge | grep -qw lxdpp_$HOST2"
  expect "X-6 failed filter apply: the start is refused, naming nft" bash -c "! lxc start x6 2>'$WORK/x6.err'; r=\$?; cat '$WORK/x6.err'; [ \$r = 0 ] && grep -qi nft '$WORK/x6.err'"
  expect "X-6 failed filter apply: stopped, no veth on the bridge" bash -c "lxc list x6 -c s -f csv | grep -qx STOPPED && ! ip link show $HOST >/dev/null 2>&1 && [ -z \"\$(ip link show master $BR)\" ]"
  release_tables
  expect "X-6 with the clash gone, the start filters again" bash -c "lxc start x6 && nft list table bridge lxdpp_$HOST | grep -q 'ip saddr != $OWN drop' && out=\$(probes) && [ \"\$(echo \$out)\" = own-ping ]"

  # In place (device_update): the filter goes and comes back, the interface staying inside.
  IDX=$(eth0_index)
  export IDX
  expect "X-6 filter dropped in place: spoofed IP reaches the host, same interface" bash -c "lxc config device unset x6 eth0 security.ipv4_filtering &&
    ! nft list table bridge lxdpp_$HOST >/dev/null 2>&1 && [ \"\$(eth0_index)\" = \"\$IDX\" ] && out=\$(probes) && echo \"\$out\" && echo \"\$out\" | grep -qx spoofed-ping"
  hold_tables lxdpp_$HOST lxdpp_$HOST2
  expect "X-6 failed filter on hot-plug: refused, no NIC left" bash -c "! lxc config device add x6 eth1 nic network=$BR host_name=$HOST2 security.mac_filtering=true 2>'$WORK/x6.err' &&
    cat '$WORK/x6.err' && ! ip link show $HOST2 >/dev/null 2>&1 && ! lxc config device show x6 | grep -q eth1 && ! lxc exec x6 -- ip link show eth1 >/dev/null 2>&1 && [ \"\$(ip -o link show master $BR | wc -l)\" = 1 ]"
  expect "X-6 failed filter update in place: refused, config unchanged" bash -c "! lxc config device set x6 eth0 security.ipv4_filtering=true 2>'$WORK/x6.err';
    r=\$?; cat '$WORK/x6.err'; [ \$r = 0 ] && grep -qi filter '$WORK/x6.err' && [ -z \"\$(lxc config device get x6 eth0 security.ipv4_filtering)\" ]"
  expect "X-6 failed filter update in place: the NIC is left deny-all, not unfiltered" bash -c "ip -o link show $HOST | grep -q 'state DOWN' &&
    out=\$(probes) && echo \"\$out\" && [ -z \"\$out\" ] && [ \"\$(eth0_index)\" = \"\$IDX\" ]"
  release_tables
  expect "X-6 with the clash gone, the update filters in place and the NIC is back" bash -c "lxc config device set x6 eth0 security.ipv4_filtering=true &&
    ip -o link show $HOST | grep -q ',UP' && [ \"\$(eth0_index)\" = \"\$IDX\" ] && out=\$(probes) && echo \"\$out\" && [ \"\$(echo \$out)\" = own-ping ]"
  expect "X-6 with the clash gone, a filtered NIC hot-plugs" bash -c "lxc config device add x6 eth1 nic network=$BR host_name=$HOST2 security.mac_filtering=true &&
    nft list table bridge lxdpp_$HOST2 >/dev/null && lxc config device remove x6 eth1 && ! nft list table bridge lxdpp_$HOST2 >/dev/null 2>&1"
  x6_cleanup
else
  echo "X-6 skip: nft (package nftables) is not installed"
fi
lxc delete -f x1 >/dev/null 2>&1
