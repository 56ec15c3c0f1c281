#!/bin/bash
# Devices of a running container changed in place (device_update, ABI 1.5), as upstream updates
# the keys in its UpdatableFields: a bridged NIC's limits (tc on its host side), routes and
# filters (nft), a routed NIC's limits, a p2p NIC's limits through a profile, a disk's I/O
# limits; the interface or the mount stays the same one throughout. Any other key removes the
# device and adds it again; bad values are refused and change nothing. Addresses: 198.18.94.0/24 only.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
BR=lxdpup-br
trap 'lxc delete -f up1 >/dev/null 2>&1; lxc profile delete pr >/dev/null 2>&1; ip link del $BR 2>/dev/null; finish' EXIT
start_daemon
setup_base
ip link add $BR type bridge && ip addr add 198.18.94.1/24 dev $BR && ip link set $BR up
mkdir -p "$WORK/data"
export BR

lxc init bb up1 >/dev/null
lxc config device add up1 eth1 nic nictype=bridged parent=$BR name=eth1 >/dev/null
lxc config device add up1 data disk source="$WORK/data" path=/mnt >/dev/null
lxc start up1
lxc exec up1 -- ip addr add 198.18.94.10/24 dev eth1
ifindex() { lxc exec up1 -- cat "/sys/class/net/$1/ifindex"; }
veth() { lxc config get up1 "volatile.$1.host_name"; }
mount_id() { lxc exec up1 -- sh -c "grep ' /mnt ' /proc/self/mountinfo | cut -d' ' -f1"; }
export -f ifindex veth mount_id
IDX=$(ifindex eth1) MNT=$(mount_id)
export IDX MNT
same_nic() { [ "$(ifindex eth1)" = "$IDX" ] && lxc exec up1 -- ip -4 addr show eth1 | grep -q 198.18.94.10/24; }
export -f same_nic

# limits.egress and limits.max police on the host side's ingress, which needs the kernel's tc
# police action (as in nic_types); without it they are refused and the NIC stays as it was.
ip link add lxdpup-tc type veth peer name lxdpup-tcq && tc qdisc add dev lxdpup-tc handle ffff: ingress
HAVE_POLICE=0
tc filter add dev lxdpup-tc parent ffff: protocol all u32 match u32 0 0 police rate 1mbit burst 10k drop 2>/dev/null && HAVE_POLICE=1
ip link del lxdpup-tc
export HAVE_POLICE

expect nic-limits-live bash -c "lxc config device set up1 eth1 limits.ingress=10Mbit && tc class show dev \$(veth eth1) | grep -q 'rate 10Mbit' && same_nic"
if [ $HAVE_POLICE = 1 ]; then
  expect nic-egress-live bash -c "lxc config device set up1 eth1 limits.egress=20Mbit && tc filter show dev \$(veth eth1) parent ffff: | grep -q 'rate 20Mbit' && tc class show dev \$(veth eth1) | grep -q 'rate 10Mbit' && same_nic"
else
  # Refused halfway (the ingress qdisc made, its filter refused): undone, the NIC as it was.
  expect nic-egress-refused-undone bash -c "! lxc config device set up1 eth1 limits.egress=20Mbit limits.ingress=15Mbit 2>$WORK/err && grep -q police $WORK/err &&
    [ -z \"\$(lxc config device get up1 eth1 limits.egress)\" ] && ! tc qdisc show dev \$(veth eth1) | grep -q ingress && tc class show dev \$(veth eth1) | grep -q 'rate 10Mbit' && same_nic"
fi
expect nic-traffic bash -c "lxc exec up1 -- ping -c 2 -W 3 198.18.94.1"
expect nic-limits-change bash -c "lxc config device set up1 eth1 limits.ingress=30Mbit && tc class show dev \$(veth eth1) | grep -q 'rate 30Mbit' && same_nic"
expect nic-routes-live bash -c "lxc config device set up1 eth1 ipv4.routes=198.18.94.128/28 && ip -4 route show 198.18.94.128/28 | grep -q 'dev $BR' && same_nic"
expect nic-filter-live bash -c "lxc config device set up1 eth1 security.mac_filtering=true && nft list table bridge lxdpp_\$(veth eth1) >/dev/null && same_nic && lxc exec up1 -- ping -c 1 -W 3 198.18.94.1"
expect nic-bad-limit-refused bash -c "! lxc config device set up1 eth1 limits.ingress=fast 2>$WORK/err && grep -q limits.ingress $WORK/err && lxc config device get up1 eth1 limits.ingress | grep -qx 30Mbit && same_nic"
expect nic-unset-all bash -c "v=\$(veth eth1) && lxc config device unset up1 eth1 limits.ingress && { [ \$HAVE_POLICE = 0 ] || lxc config device unset up1 eth1 limits.egress; } && lxc config device unset up1 eth1 ipv4.routes && lxc config device unset up1 eth1 security.mac_filtering &&
  ! tc qdisc show dev \$v | grep -q 'htb\|ingress' && ! ip -4 route show 198.18.94.128/28 | grep -q . && ! nft list table bridge lxdpp_\$v 2>/dev/null && same_nic"
# A key upstream does not update in place: the NIC goes and comes back, with the new value.
expect nic-mtu-readded bash -c "lxc config device set up1 eth1 mtu=1400 && [ \"\$(ifindex eth1)\" != \"$IDX\" ] && lxc exec up1 -- cat /sys/class/net/eth1/mtu | grep -qx 1400"

# A routed NIC's limits change in place too (no gateway inside: the container has none).
expect routed-limits-live bash -c "lxc config device add up1 eth3 nic nictype=routed ipv4.address=198.18.94.50 ipv4.gateway=none name=rt0 &&
  i=\$(ifindex rt0) && lxc config device set up1 eth3 limits.ingress=7Mbit && tc class show dev \$(veth eth3) | grep -q 'rate 7Mbit' &&
  [ \"\$(ifindex rt0)\" = \"\$i\" ] && lxc config device remove up1 eth3"

# Through a profile the instance uses: a p2p NIC's limits change in place too.
expect profile-p2p bash -c "lxc profile create pr >/dev/null && lxc profile device add pr eth2 nic nictype=p2p name=eth2 && lxc profile add up1 pr && lxc exec up1 -- ip link show eth2"
P2IDX=$(ifindex eth2)
expect profile-limits-live bash -c "lxc profile device set pr eth2 limits.ingress=5Mbit && tc class show dev \$(veth eth2) | grep -q 'rate 5Mbit' && [ \"\$(ifindex eth2)\" = $P2IDX ]"
expect profile-remove bash -c "lxc profile remove up1 pr && lxc profile delete pr && ! lxc exec up1 -- ip link show eth2 2>/dev/null"

# A disk's I/O limits change with the mount left as it is.
expect disk-limits-live bash -c "lxc config device set up1 data limits.read=10MB && [ \"\$(mount_id)\" = $MNT ] && lxc config device get up1 data limits.read | grep -qx 10MB"
expect disk-readonly-remounts bash -c "lxc config device set up1 data readonly=true && [ \"\$(mount_id)\" != $MNT ] && ! lxc exec up1 -- touch /mnt/x 2>/dev/null"

expect delete lxc delete -f up1
