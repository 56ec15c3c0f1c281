#!/bin/bash
# Bridge tunnels (tunnel.NAME.*): two bridge networks joined by a vxlan tunnel carry a ping
# between a container on each. A vxlan socket is one per port and VNI in a network namespace, so
# the far end is a second daemon of ours in a namespace of its own ("the other host"), joined to
# this one by a veth pair as underlay (198.18.99.0/30; nothing leaves the machine). The tunnel
# interface <network>-<NAME> shows the configured id, port and endpoints, is made anew when a key
# changes and after a daemon restart, and goes with the network; bad values are refused with 400
# naming the key and change nothing; a failed create or update leaves no tunnel behind.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS

NS=lxdpt-tun U0=lxdpt-u0 U1=lxdpt-u1 A=ltuna B=ltunb
OTHER=$WORK/other OTHER_PID=
cleanup() {
  lxc delete -f ta >/dev/null 2>&1
  if [[ -n $OTHER_PID ]]; then
    LXD_DIR=$OTHER lxc delete -f tb >/dev/null 2>&1
    LXD_DIR=$OTHER lxc network delete $B >/dev/null 2>&1
    [[ -f $OTHER/networks/$B/dnsmasq.pid ]] && kill "$(cat "$OTHER/networks/$B/dnsmasq.pid")" 2>/dev/null
    kill -TERM "$OTHER_PID" 2>/dev/null; wait "$OTHER_PID" 2>/dev/null
  fi
  ip netns del $NS 2>/dev/null
  ip link del $U0 2>/dev/null
  finish
}
trap cleanup EXIT
# What an interrupted run left.
ip netns del $NS 2>/dev/null; ip link del $U0 2>/dev/null

start_daemon
setup_base

ip netns add $NS
ip link add $U0 type veth peer name $U1
ip link set $U1 netns $NS
ip addr add 198.18.99.1/30 dev $U0 && ip link set $U0 up
ip -n $NS addr add 198.18.99.2/30 dev $U1 && ip -n $NS link set $U1 up && ip -n $NS link set lo up

# The other host: its daemon runs in the namespace with a sysfs of that namespace (the plugins
# read /sys/class/net), the host's cgroup mounts carried over for its container.
mkdir -p "$OTHER" "$WORK/cg"
nsenter --net=/run/netns/$NS unshare --mount --propagation slave bash -c '
  mount --rbind /sys/fs/cgroup "$1/cg" && mount -t sysfs sysfs /sys && mount --rbind "$1/cg" /sys/fs/cgroup &&
  umount -l "$1/cg" && LXD_DIR=$2 exec "$3" --group root --logfile "$1/other.log"' _ "$WORK" "$OTHER" "$DAEMON" \
  >"$WORK/other.out" 2>&1 &
OTHER_PID=$!
LXD_DIR=$OTHER "$DAEMON" waitready --timeout 30 || { echo "other daemon did not start"; cat "$WORK/other.out"; exit 1; }
LXD_DIR=$OTHER lxc storage create default dir >/dev/null
LXD_DIR=$OTHER lxc profile device add default root disk path=/ pool=default >/dev/null
LXD_DIR=$OTHER lxc image import "$WORK/bb.tar.gz" --alias bb >/dev/null
export A B NS OTHER

refused() { # refused NAME-OF-KEY JSON: POST /1.0/networks answers 400 naming the key
  local reply
  reply=$(api POST /1.0/networks "$2")
  grep -q '"error_code":400' <<<"$reply" && grep -q "$1" <<<"$reply" || { echo "$reply"; return 1; }
}
export -f refused
net_json() { # net_json NAME KEY=VALUE...: a network body with a tunnel's keys
  local name=$1; shift
  printf '{"name":"%s","config":{"ipv4.address":"198.18.98.%s/24","ipv4.nat":"false","ipv4.dhcp":"false","ipv6.address":"none"' \
    "$name" "$([[ $name == "$B" ]] && echo 2 || echo 1)"
  for kv in "$@"; do printf ',"%s":"%s"' "${kv%%=*}" "${kv#*=}"; done
  printf '}}'
}
export -f net_json

# Refused before anything is made.
expect "protocol foo refused (400 naming the key)" refused tunnel.t1.protocol "$(net_json $A tunnel.t1.protocol=foo)"
expect "id out of range refused" refused tunnel.t1.id "$(net_json $A tunnel.t1.protocol=vxlan tunnel.t1.id=16777216)"
expect "local not an IP refused" refused tunnel.t1.local "$(net_json $A tunnel.t1.protocol=vxlan tunnel.t1.local=not-an-ip)"
expect "port out of range refused" refused tunnel.t1.port "$(net_json $A tunnel.t1.port=65536)"
expect "group not multicast refused" refused tunnel.t1.group "$(net_json $A tunnel.t1.group=198.18.99.2)"
expect "unknown tunnel key refused" refused tunnel.t1.colour "$(net_json $A tunnel.t1.colour=red)"
expect "endpoints of two families refused" refused tunnel.t1.local "$(net_json $A tunnel.t1.protocol=vxlan tunnel.t1.local=198.18.99.1 tunnel.t1.remote=fd42::2)"
expect "interface name too long refused" refused "Network name too long for tunnel interface: ltunabcdefgh-xyz" \
  "$(net_json ltunabcdefgh tunnel.xyz.protocol=vxlan)"
expect "a missing interface fails the create, nothing left" bash -c "
  api POST /1.0/networks '$(net_json $A tunnel.t9.protocol=vxlan tunnel.t9.interface=lxdpt-none)' | grep -q 'no host interface lxdpt-none' &&
  ! ip link show $A 2>/dev/null && ! ip link show $A-t9 2>/dev/null && ! api GET /1.0/networks/$A | grep -q '\"managed\":true'"

# Both ends, unicast over the underlay, a VNI and port of their own.
expect "network with a vxlan tunnel" bash -c "[ \$(status_of POST /1.0/networks '$(net_json $A tunnel.t1.protocol=vxlan tunnel.t1.local=198.18.99.1 tunnel.t1.remote=198.18.99.2 tunnel.t1.id=4242 tunnel.t1.port=4790)') = 201 ]"
expect "other end" bash -c "LXD_DIR=$OTHER lxc network create $B ipv4.address=198.18.98.2/24 ipv4.nat=false ipv4.dhcp=false ipv6.address=none \
  tunnel.t1.protocol=vxlan tunnel.t1.local=198.18.99.2 tunnel.t1.remote=198.18.99.1 tunnel.t1.id=4242 tunnel.t1.port=4790"
expect "ip -d link: vxlan with the configured id, endpoints and port" bash -c "
  ip -d link show $A-t1 | tee /dev/stderr | grep -q 'vxlan id 4242 remote 198.18.99.2 local 198.18.99.1 .*dstport 4790 ttl 1'"
expect "tunnel is an up port of the bridge, MTU 1400 on both" bash -c "
  ip -o link show $A-t1 | grep -q 'UP.* mtu 1400 .*master $A ' && ip -o link show $A | grep -q ' mtu 1400 '"
expect "other end's tunnel in its namespace" bash -c "ip -n $NS -d link show $B-t1 | grep -q 'vxlan id 4242 remote 198.18.99.1'"

expect "launch a container on each bridge" bash -c "lxc launch bb ta -n $A >/dev/null && LXD_DIR=$OTHER lxc launch bb tb -n $B >/dev/null &&
  lxc exec ta -- ip addr add 198.18.98.10/24 dev eth0 && LXD_DIR=$OTHER lxc exec tb -- ip addr add 198.18.98.11/24 dev eth0"
pings() { # pings: ta reaches tb through the tunnel (a few tries while the neighbours are learnt)
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    lxc exec ta -- ping -c 1 -W 1 198.18.98.11 2>/dev/null | grep -q '1 packets received' && return 0
  done
  return 1
}
export -f pings
expect "ping through the tunnel" pings
expect "the other host's bridge answers too" bash -c "lxc exec ta -- ping -c 2 -W 2 198.18.98.2 | grep -q '[12] packets received'"

expect "bad update refused (400 naming the key)" bash -c "api PATCH /1.0/networks/$A '{\"config\":{\"tunnel.t1.id\":\"99999999\"}}' | grep '\"error_code\":400' | grep -q tunnel.t1.id"
expect "bad update changed nothing" bash -c "ip -d link show $A-t1 | grep -q 'vxlan id 4242' && lxc network get $A tunnel.t1.id | grep -qx 4242"
ifindex=$(cat /sys/class/net/$A-t1/ifindex)
expect "changing the id recreates the tunnel" bash -c "lxc network set $A tunnel.t1.id 4343 &&
  ip -d link show $A-t1 | grep -q 'vxlan id 4343 ' && [ \$(cat /sys/class/net/$A-t1/ifindex) != $ifindex ] && ip -o link show $A-t1 | grep -q 'master $A'"
# The ping goes through the tunnel and nowhere else: while the ends disagree on the VNI it is lost.
expect "no ping while the ends have different ids" bash -c "lxc exec ta -- ping -c 2 -W 1 198.18.98.11 | grep -q ' 0 packets received'"
expect "ping once the other end has the new id too" bash -c "LXD_DIR=$OTHER lxc network set $B tunnel.t1.id 4343 && pings"
expect "a failed update leaves the tunnels as they were" bash -c "
  lxc network set $A tunnel.t9.protocol=vxlan tunnel.t9.interface=lxdpt-none 2>&1 | grep -q 'no host interface lxdpt-none' &&
  ! ip link show $A-t9 2>/dev/null && ip -d link show $A-t1 | grep -q 'vxlan id 4343 ' && ! lxc network get $A tunnel.t9.protocol | grep -q ."
expect "ping after the failed update" pings

# Multicast when there are not both endpoints: upstream's group, id, kernel port and ttl.
expect "multicast vxlan with upstream's defaults" bash -c "lxc network set $A tunnel.m.protocol=vxlan tunnel.m.interface=$U0 &&
  ip -d link show $A-m | tee /dev/stderr | grep -q 'vxlan id 1 group 239.0.0.1 dev $U0 .*dstport 8472 ttl 1'"
expect "an incomplete gre tunnel is not made yet" bash -c "lxc network set $A tunnel.g.protocol=gre && ! ip link show $A-g 2>/dev/null"
expect "unsetting a tunnel's keys removes it" bash -c "lxc network unset $A tunnel.m.protocol && lxc network unset $A tunnel.m.interface && lxc network unset $A tunnel.g.protocol &&
  ! ip link show $A-m 2>/dev/null && ip link show $A-t1 >/dev/null"

if ip link add lxdpt-gre type gretap local 198.18.99.1 remote 198.18.99.2 2>/dev/null; then
  ip link del lxdpt-gre
  expect "gre tunnel" bash -c "lxc network set $A tunnel.g.protocol=gre tunnel.g.local=198.18.99.1 tunnel.g.remote=198.18.99.2 &&
    ip -d link show $A-g | grep -q 'gretap remote 198.18.99.2 local 198.18.99.1' && ip -o link show $A-g | grep -q 'master $A'"
  expect "gre tunnel removed with its keys" bash -c "lxc network unset $A tunnel.g.protocol && ! ip link show $A-g 2>/dev/null"
else
  echo "skip: gre tunnels: this kernel cannot make gretap interfaces (CONFIG_NET_IPGRE unset or module missing)"
  # Without GRE in the kernel a complete gre tunnel fails the network's start naming the tunnel
  # and what the kernel lacks, leaving no bridge, tunnel, dnsmasq or rule; on a running network
  # the change is refused and the network stays as it was.
  left_of() { ip link show $1 2>/dev/null || ip link show $1-g 2>/dev/null || pgrep -af "dnsmasq.*$1" ||
              nft list tables 2>/dev/null | grep -w "lxdpp_$1" || iptables-save 2>/dev/null | grep -w -- "$1"; }
  export -f left_of
  expect "gre without kernel support fails the create, nothing left" bash -c "
    api POST /1.0/networks '$(net_json ltung tunnel.g.protocol=gre tunnel.g.local=198.18.99.1 tunnel.g.remote=198.18.99.2)' |
      grep -q 'tunnel.g: this kernel has no GRE support (no ip_gre module' &&
    ! left_of ltung && ! api GET /1.0/networks/ltung | grep -q '\"managed\":true'"
  expect "gre without kernel support refused on a running network, nothing changed" bash -c "
    ! lxc network set $A tunnel.g.protocol=gre tunnel.g.local=198.18.99.1 tunnel.g.remote=198.18.99.2 2>$WORK/err &&
    grep -q 'tunnel.g: this kernel has no GRE support' $WORK/err && ! ip link show $A-g 2>/dev/null &&
    ip -d link show $A-t1 | grep -q 'vxlan id 4343 ' && ! lxc network get $A tunnel.g.protocol | grep -q . && pings"
fi

stop_daemon
start_daemon
expect "after a daemon restart the tunnel is there again" bash -c "ip -d link show $A-t1 | grep -q 'vxlan id 4343 ' && ip -o link show $A-t1 | grep -q 'master $A'"
expect "ping after the restart" pings

lxc delete -f ta >/dev/null 2>&1
expect "network delete removes the tunnel" bash -c "lxc network delete $A && ! ip link show $A-t1 2>/dev/null && ! ip link show $A 2>/dev/null"
LXD_DIR=$OTHER lxc delete -f tb >/dev/null 2>&1
expect "other end's delete removes its tunnel" bash -c "LXD_DIR=$OTHER lxc network delete $B && ! ip -n $NS link show $B-t1 2>/dev/null"
