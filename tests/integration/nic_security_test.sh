#!/bin/bash
# security.mac_filtering / ipv4_filtering / ipv6_filtering of bridged NICs with real traffic: a
# container on a managed bridge pings the gateway with its own MAC and address, then with a
# spoofed MAC or address set by `ip` inside, and the spoofed frames are dropped by the NIC's
# nftables table; the table goes when the container stops (by the API or on its own) and with
# its deletion. ipv4.routes of bridged NICs (via the NIC's address, gone at the stop) and of p2p
# NICs (through the veth), with the host pinging an address of the routed subnet; a routed NIC's
# proxy ARP entry on its parent and its ipv4.host_table route, gone at the stop.
# Addresses: 198.18.90.0/24 and 198.18.95.0/24 to 198.18.97.0/24 only, nothing leaves the machine.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
BR=lxdpns0 P2P=lxdpns-p2p PAR=lxdpns-par RT=lxdpns-rt MAC=00:16:3e:5e:c0:01 SPOOF=00:16:3e:5e:c0:99
cleanup() { # whatever a failed run left, by name
  lxc delete -f ns1 >/dev/null 2>&1
  lxc network delete $BR >/dev/null 2>&1
  ip link del $BR 2>/dev/null
  ip link del $P2P 2>/dev/null
  ip link del $PAR 2>/dev/null
  ip route flush table 4242 2>/dev/null
  return 0
}
trap 'cleanup; finish' EXIT
start_daemon
setup_base
if ! command -v nft >/dev/null; then echo "SKIP: nft (package nftables) is not installed"; exit 0; fi

lxc network create $BR ipv4.address=198.18.90.1/24 ipv4.nat=false ipv6.address=none >/dev/null
lxc init bb ns1 >/dev/null
lxc config device add ns1 eth0 nic network=$BR hwaddr=$MAC ipv4.address=198.18.90.2 >/dev/null
export BR P2P PAR RT MAC SPOOF

in_ct() { lxc exec ns1 -- "$@"; }
host_name() { lxc config get ns1 volatile.eth0.host_name; }
table() { echo "lxdpp_$(host_name)"; }
# The container's address and MAC as given; pinging the gateway is the traffic that must pass or not.
use() { in_ct ip link set eth0 down && in_ct ip link set eth0 address "$1" && in_ct ip addr flush dev eth0 &&
        in_ct ip addr add "$2/24" dev eth0 && in_ct ip link set eth0 up && ip neigh flush dev $BR; }
pings() { in_ct ping -c 1 -W 2 198.18.90.1 >/dev/null; }
export -f in_ct host_name table use pings

expect unfiltered-start bash -c "lxc start ns1 && use $MAC 198.18.90.2 && pings"
expect unfiltered-spoof-passes bash -c "use $SPOOF 198.18.90.3 && pings"
expect no-table-unfiltered bash -c "! nft list tables bridge | grep -q lxdpp_"
lxc stop -f ns1

# Routes: 198.18.95.0/24 via the bridged NIC's address, 198.18.96.0/24 through the p2p veth; the
# container holds an address of each on lo and answers the host's pings to them.
lxc config device set ns1 eth0 ipv4.routes=198.18.95.0/24
lxc config device add ns1 eth1 nic nictype=p2p host_name=$P2P ipv4.routes=198.18.96.0/24 >/dev/null
expect routes-start bash -c "lxc start ns1 && use $MAC 198.18.90.2 && in_ct ip addr add 198.18.95.5/32 dev lo &&
  in_ct ip addr add 198.18.96.5/32 dev lo && in_ct ip link set eth1 up && in_ct ip addr add 169.254.96.2/24 dev eth1 &&
  ip addr add 169.254.96.1/24 dev $P2P && in_ct ip route add default via 198.18.90.1"
expect bridged-route-via-address bash -c "ip -4 route show 198.18.95.0/24 | grep -q 'via 198.18.90.2 dev $BR'"
expect bridged-route-traffic busybox ping -c 1 -W 2 198.18.95.5
expect p2p-route-dev bash -c "ip -4 route show 198.18.96.0/24 | grep -q 'dev $P2P'"
expect p2p-route-traffic busybox ping -c 1 -W 2 198.18.96.5
expect routes-stop-removes bash -c "lxc stop -f ns1 && ! ip -4 route show 198.18.95.0/24 | grep -q . && ! ip -4 route show 198.18.96.0/24 | grep -q ."
lxc config device unset ns1 eth0 ipv4.routes
lxc config device remove ns1 eth1 >/dev/null

# A routed NIC with a parent (a veth: this kernel may have no dummy module) and a routing table of
# its own: the parent answers ARP for the container's address until the container stops.
ip link add $PAR type veth peer name $PAR-q && ip link set $PAR up && ip link set $PAR-q up
lxc config device add ns1 eth2 nic nictype=routed parent=$PAR host_name=$RT ipv4.address=198.18.97.2 ipv4.host_table=4242 >/dev/null
expect routed-parent-start lxc start ns1
expect routed-parent-proxy-arp bash -c "ip -4 neigh show proxy dev $PAR | grep -q 198.18.97.2"
expect routed-host-table bash -c "ip -4 route show table 4242 | grep -q '198.18.97.2 dev $RT'"
expect routed-stop-removes bash -c "lxc stop -f ns1 && ! ip -4 neigh show proxy dev $PAR | grep -q 198.18.97.2 && ! ip -4 route show table 4242 | grep -q ."
lxc config device remove ns1 eth2 >/dev/null

lxc config device set ns1 eth0 security.mac_filtering=true
expect mac-filter-start bash -c "lxc start ns1 && nft list table bridge \$(table) | grep -q 'chain in.ns1.eth0' &&
  nft list table bridge \$(table) | grep -q 'chain fwd.ns1.eth0' &&
  nft list table bridge \$(table) | grep -q 'ether saddr != $MAC drop'"
expect mac-own-passes bash -c "use $MAC 198.18.90.2 && pings"
expect mac-spoof-dropped bash -c "use $SPOOF 198.18.90.2 && ! pings"
expect mac-other-ip-passes bash -c "use $MAC 198.18.90.3 && pings"
expect mac-stop-removes bash -c "t=\$(table) && lxc stop -f ns1 && ! nft list tables bridge | grep -qw \$t"

lxc config device set ns1 eth0 security.ipv4_filtering=true
lxc config device set ns1 eth0 security.mac_filtering=false
expect ip-filter-start bash -c "lxc start ns1 && nft list table bridge \$(table) | grep -q 'ip saddr != 198.18.90.2 drop'"
expect ip-own-passes bash -c "use $MAC 198.18.90.2 && pings"
expect ip-spoof-dropped bash -c "use $MAC 198.18.90.3 && ! pings"
expect ip-implies-mac bash -c "use $SPOOF 198.18.90.2 && ! pings"
expect ip-own-passes-again bash -c "use $MAC 198.18.90.2 && pings"
# The container halts on its own: liblxc's stop hook removes the table without the daemon.
expect self-stop-removes bash -c "t=\$(table) && in_ct kill -USR2 1;
  for i in \$(seq 1 100); do lxc list ns1 -c s --format csv | grep -q STOPPED && break; sleep 0.2; done &&
  lxc list ns1 -c s --format csv | grep -q STOPPED && ! nft list tables bridge | grep -qw \$t"

# Without an address of its own (no ipv4.address), the container may send no IPv4 at all (spec).
lxc config device unset ns1 eth0 ipv4.address
expect no-address-blocks-ipv4 bash -c "lxc start ns1 && use $MAC 198.18.90.2 && ! pings"
expect delete-removes bash -c "t=\$(table) && lxc delete -f ns1 && ! nft list tables bridge | grep -qw \$t"
expect bad-value-refused bash -c "lxc init bb ns1 >/dev/null && ! lxc config device add ns1 eth0 nic network=$BR security.ipv4_filtering=maybe 2>/dev/null && ! lxc config show ns1 | grep -q eth0"
