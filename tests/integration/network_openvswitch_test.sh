#!/bin/bash
# bridge.driver=openvswitch. Without Open vSwitch (no ovs-vsctl) a network asking for it is
# refused with 400 naming what is missing, and nothing is made, on create as on update. With
# ovs-vsctl, the kernel module and a running switch, the network is an Open vSwitch bridge
# (ovs-vsctl br-exists) with its address, a container's NIC is its port and reaches the gateway,
# a hot-plugged NIC joins it and leaves it, NIC filters are refused on it, and deleting the
# container and the network leaves no port and no bridge. Addresses: 198.18.97.0/24 only.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
BR=lovsit0
cleanup() {
  lxc delete -f ovs1 >/dev/null 2>&1
  command -v ovs-vsctl >/dev/null && ovs-vsctl --timeout=10 --if-exists del-br $BR 2>/dev/null
  finish
}
trap cleanup EXIT
start_daemon
setup_base
export BR
body='{"name":"'$BR'","config":{"bridge.driver":"openvswitch","ipv4.address":"198.18.97.1/24","ipv4.nat":"false","ipv6.address":"none"}}'

if ! command -v ovs-vsctl >/dev/null; then
  expect "refused without ovs-vsctl (400 naming it)" bash -c "api POST /1.0/networks '$body' | tee /dev/stderr | grep '\"error_code\":400' | grep -q 'needs ovs-vsctl'"
  expect "nothing made by the refusal" bash -c "! ip link show $BR 2>/dev/null && ! api GET /1.0/networks/$BR | grep -q '\"managed\":true' && [ ! -e $LXD_DIR/networks/$BR ]"
  expect "a Linux bridge network" lxc network create $BR ipv4.address=198.18.97.1/24 ipv4.nat=false ipv6.address=none
  expect "switching it to openvswitch refused (400), the bridge unchanged" bash -c "
    api PATCH /1.0/networks/$BR '{\"config\":{\"bridge.driver\":\"openvswitch\"}}' | grep '\"error_code\":400' | grep -q 'needs ovs-vsctl' &&
    [ -d /sys/class/net/$BR/bridge ] && ! lxc network get $BR bridge.driver | grep -q ."
  expect "delete" lxc network delete $BR
  echo "skip: Open vSwitch bridges themselves: ovs-vsctl is not installed (package openvswitch-switch)"
  exit 0
fi
if [[ ! -d /sys/module/openvswitch ]] && ! modprobe -q openvswitch 2>/dev/null; then
  echo "skip: Open vSwitch bridges: this kernel has no openvswitch module (CONFIG_OPENVSWITCH)"
  exit 0
fi
if ! ovs-vsctl --timeout=5 show >/dev/null 2>&1; then
  echo "skip: Open vSwitch bridges: ovsdb-server and ovs-vswitchd are not running"
  exit 0
fi

expect "create" bash -c "[ \$(status_of POST /1.0/networks '$body') = 201 ]"
expect "an Open vSwitch bridge with its address" bash -c "ovs-vsctl br-exists $BR && [ ! -d /sys/class/net/$BR/bridge ] && ip -o -4 addr show $BR | grep -q 198.18.97.1/24"
expect "launch on it" lxc launch bb ovs1 -n $BR
host=$(lxc config get ovs1 volatile.eth0.host_name)
expect "the NIC is a port of the bridge" bash -c "ovs-vsctl list-ports $BR | grep -qx '$host'"
expect "ping the gateway" bash -c "lxc exec ovs1 -- ip addr add 198.18.97.10/24 dev eth0 &&
  for i in 1 2 3 4 5; do lxc exec ovs1 -- ping -c 1 -W 1 198.18.97.1 | grep -q '1 packets received' && exit 0; done; exit 1"
expect "a hot-plugged NIC joins the bridge" bash -c "lxc config device add ovs1 eth1 nic network=$BR name=eth1 >/dev/null &&
  ovs-vsctl list-ports $BR | grep -qx \$(lxc config get ovs1 volatile.eth1.host_name)"
expect "and leaves it when removed" bash -c "h=\$(lxc config get ovs1 volatile.eth1.host_name); lxc config device remove ovs1 eth1 >/dev/null &&
  ! ovs-vsctl list-ports $BR | grep -qx \$h"
expect "NIC filters refused on it" bash -c "lxc config device add ovs1 eth2 nic network=$BR name=eth2 security.mac_filtering=true 2>&1 | grep -q 'not supported on the Open vSwitch bridge'"
expect "deleting the container leaves no port" bash -c "lxc delete -f ovs1 && [ -z \"\$(ovs-vsctl list-ports $BR)\" ]"
expect "delete" bash -c "lxc network delete $BR && ! ovs-vsctl br-exists $BR && ! ip link show $BR 2>/dev/null"
