#!/bin/bash
# NIC types of the lxc driver with real traffic between the host and one container: bridged on an
# unmanaged host bridge (parent=), p2p, macvlan, ipvlan, routed and physical, on parents the test
# makes (a bridge, dummies); hwaddr, mtu and tc limits; refusals that start nothing; nothing of
# ours left on the host after the stop. Addresses: 198.18.80.0/21 only, nothing leaves the machine.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
BR=lxdpnt-br MV=lxdpnt-mvp MVH=lxdpnt-mvh IV=lxdpnt-ivp IVH=lxdpnt-ivh PH=lxdpnt-ph P2P=lxdpnt-p2p RT=lxdpnt-rt
cleanup_links() {
  for l in $BR $MV $MVH $IV $IVH $PH $PH-q $P2P $RT; do ip link del "$l" 2>/dev/null; done
  return 0
}
trap 'lxc delete -f nt1 >/dev/null 2>&1; cleanup_links; finish' EXIT
cleanup_links
start_daemon
setup_base

# The parents: an unmanaged bridge with the host's address, veth pairs (this kernel may have no
# dummy module) for macvlan, ipvlan and physical, and the host's own macvlan/ipvlan on them to
# talk to the container's. ipvlan is tested where the kernel has it.
ip link add $BR type bridge && ip addr add 198.18.80.1/24 dev $BR && ip link set $BR up
ip link add $MV type veth peer name $MV-q && ip link set $MV up && ip link set $MV-q up
ip link add $MVH link $MV type macvlan mode bridge && ip addr add 198.18.82.1/24 dev $MVH && ip link set $MVH up
ip link add $IV type veth peer name $IV-q && ip link set $IV up && ip link set $IV-q up
HAVE_IPVLAN=0
if ip link add $IVH link $IV type ipvlan mode l3s 2>/dev/null; then
  HAVE_IPVLAN=1 && ip addr add 198.18.83.1/24 dev $IVH && ip link set $IVH up
fi
ip link add $PH type veth peer name $PH-q

lxc init bb nt1 >/dev/null
export BR MV IV PH P2P RT HAVE_IPVLAN

in_ct() { lxc exec nt1 -- "$@"; }
export -f in_ct

expect bad-parent-refused bash -c "lxc config device add nt1 bad nic nictype=macvlan parent=lxdpnt-none >/dev/null && ! lxc start nt1 2>$WORK/err; grep -q 'parent interface \"lxdpnt-none\" not found' $WORK/err && lxc list nt1 -c s --format csv | grep -q STOPPED"
lxc config device remove nt1 bad >/dev/null
expect bad-bridge-refused bash -c "lxc config device add nt1 bad nic nictype=bridged parent=$MV >/dev/null && ! lxc start nt1 2>$WORK/err; grep -q 'is not a bridge' $WORK/err"
lxc config device remove nt1 bad >/dev/null
expect routed-needs-address bash -c "lxc config device add nt1 bad nic nictype=routed >/dev/null && ! lxc start nt1 2>$WORK/err; grep -q 'needs ipv4.address' $WORK/err"
lxc config device remove nt1 bad >/dev/null
expect unknown-nictype-refused bash -c "! lxc config device add nt1 bad nic nictype=nosuch 2>$WORK/err && grep -q 'Unsupported nictype' $WORK/err"

expect add-nics bash -c "
  lxc config device add nt1 eth0 nic nictype=bridged parent=$BR hwaddr=00:16:3e:aa:bb:01 mtu=1400 &&
  lxc config device add nt1 eth1 nic nictype=p2p host_name=$P2P limits.ingress=10Mbit &&
  lxc config device add nt1 eth2 nic nictype=macvlan parent=$MV &&
  { [ $HAVE_IPVLAN = 0 ] || lxc config device add nt1 eth3 nic nictype=ipvlan parent=$IV ipv4.address=198.18.83.2 ipv4.gateway=none; } &&
  lxc config device add nt1 eth4 nic nictype=routed name=rt0 host_name=$RT ipv4.address=198.18.84.2 &&
  lxc config device add nt1 eth5 nic nictype=physical parent=$PH name=phys0" >/dev/null
expect start lxc start nt1

expect bridged-joins-bridge bash -c "ip -o link show master $BR | grep -q veth"
expect bridged-hwaddr-mtu bash -c "in_ct ip link show eth0 | grep -q 'mtu 1400' && in_ct ip link show eth0 | grep -q 00:16:3e:aa:bb:01"
expect bridged-traffic bash -c "in_ct ip addr add 198.18.80.2/24 dev eth0 && in_ct ping -c 1 -W 2 198.18.80.1"

expect p2p-host-side bash -c "ip link show $P2P | grep -q 'state UP\|LOWER_UP'"
expect p2p-traffic bash -c "ip addr add 198.18.81.1/30 dev $P2P && in_ct ip addr add 198.18.81.2/30 dev eth1 && busybox ping -c 1 -W 2 198.18.81.2"
expect p2p-limits-ingress bash -c "tc class show dev $P2P | grep -q 'rate 10Mbit'"
expect p2p-volatile bash -c "lxc config get nt1 volatile.eth1.host_name | grep -qx $P2P"

expect macvlan-traffic bash -c "in_ct ip addr add 198.18.82.2/24 dev eth2 && in_ct ping -c 1 -W 2 198.18.82.1"
expect macvlan-volatile-mac bash -c "mac=\$(lxc config get nt1 volatile.eth2.hwaddr) && [ -n \"\$mac\" ] && in_ct ip link show eth2 | grep -q \"\$mac\""

if [ $HAVE_IPVLAN = 1 ]; then
  expect ipvlan-address bash -c "in_ct ip -4 addr show eth3 | grep -q 198.18.83.2/32"
  expect ipvlan-traffic bash -c "busybox ping -c 1 -W 2 -I $IVH 198.18.83.2"
else
  echo "skip ipvlan: this kernel has no ipvlan"
fi

expect routed-address bash -c "in_ct ip -4 addr show rt0 | grep -q 198.18.84.2/32"
expect routed-host-route bash -c "ip -4 route show 198.18.84.2 | grep -q 'dev $RT'"
expect routed-traffic bash -c "busybox ping -c 1 -W 2 198.18.84.2"

expect physical-moved bash -c "! ip link show $PH 2>/dev/null && in_ct ip link show phys0"

expect state-network bash -c "api GET /1.0/instances/nt1/state | grep -q '\"host_name\":\"$P2P\"'"

# limits.egress polices on the host side's ingress, which needs the kernel's tc police action.
ip link add lxdpnt-tc type veth peer name lxdpnt-tcq && tc qdisc add dev lxdpnt-tc handle ffff: ingress
if tc filter add dev lxdpnt-tc parent ffff: protocol all u32 match u32 0 0 police rate 1mbit burst 10k drop 2>/dev/null; then
  ip link del lxdpnt-tc
  expect p2p-limits-egress bash -c "lxc config device set nt1 eth1 limits.egress=20Mbit && lxc restart -f nt1 && tc filter show dev $P2P parent ffff: | grep -q 'rate 20Mbit'"
else
  ip link del lxdpnt-tc
  # The running container gets the change live (hot-plug): refused, the NIC stays as it was.
  expect p2p-limits-egress-unsupported bash -c "! lxc config device set nt1 eth1 limits.egress=20Mbit 2>$WORK/err && grep -q police $WORK/err && [ -z \"\$(lxc config device get nt1 eth1 limits.egress)\" ] && ip link show $P2P && in_ct ip link show eth1"
fi
expect stop lxc stop -f nt1
expect physical-back bash -c "ip link show $PH && ip link show $PH-q | grep -q '@$PH'"
expect veths-gone bash -c "! ip link show $P2P 2>/dev/null && ! ip link show $RT 2>/dev/null && [ -z \"\$(ip -o link show master $BR)\" ]"
expect routed-route-gone bash -c "[ -z \"\$(ip -4 route show 198.18.84.2)\" ]"
