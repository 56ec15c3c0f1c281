#!/bin/bash
# nic devices of nictype sriov and infiniband devices (physical, sriov) in containers. Here, on
# parents the test makes (a veth pair: neither SR-IOV capable nor infiniband) or none: the start
# and the live add are refused naming the device and the reason, with nothing changed (no
# volatile key, the parent still on the host) and the container still startable without the
# device. Where the machine has an SR-IOV PF with VFs to spare (sriov_totalvfs > 0) or an
# infiniband interface, a VF or the interface goes in and comes back at the stop and at its live
# removal; elsewhere a skip line names what is missing. No traffic leaves the machine.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
V=lxdpsr-v
trap 'lxc delete -f sr1 >/dev/null 2>&1; ip link del $V 2>/dev/null; finish' EXIT
ip link del $V 2>/dev/null
start_daemon
setup_base
ip link add $V type veth peer name $V-q
lxc init bb sr1 >/dev/null
export V

# No volatile key of device bad, the veth still on the host and the container stopped.
unchanged() {
  ! lxc config show sr1 | grep -q 'volatile\.bad\.' && ip link show $V >/dev/null && ip link show $V-q >/dev/null &&
    lxc list sr1 -c s --format csv | grep -qx STOPPED
}
export -f unchanged

refused_at_start() { # refused_at_start NAME DEVICE-ARGS... MESSAGE : the start fails saying MESSAGE
  local name=$1 msg=${*: -1}; shift
  local args=("${@:1:$#-1}")
  lxc config device add sr1 bad "${args[@]}" >/dev/null
  MSG=$msg expect "$name" bash -c "! lxc start sr1 2>$WORK/err; cat $WORK/err; grep -q 'bad' $WORK/err && grep -qF \"\$MSG\" $WORK/err && unchanged"
  lxc config device remove sr1 bad >/dev/null
}

refused_at_start sriov-missing-parent nic nictype=sriov parent=lxdpsr-none 'parent interface "lxdpsr-none" not found'
refused_at_start sriov-parent-not-sriov nic nictype=sriov parent=$V "parent \"$V\" doesn't support SR-IOV"
refused_at_start ib-physical-missing-parent infiniband nictype=physical parent=lxdpsr-none 'parent interface "lxdpsr-none" not found'
refused_at_start ib-physical-not-ib infiniband nictype=physical parent=$V "\"$V\" is not an infiniband device"
refused_at_start ib-sriov-not-ib infiniband nictype=sriov parent=$V "\"$V\" is not an infiniband device"
refused_at_start ib-hwaddr-not-ib infiniband nictype=physical parent=$V hwaddr=4a:c8:f9:1b:aa:57:ef:19 "\"$V\" is not an infiniband device"

expect starts-without-them bash -c "lxc start sr1 && lxc list sr1 -c s --format csv | grep -qx RUNNING"

# Live: refused (a 4xx answer), the device not added, the container running on with the veth
# still on the host.
live_refused() { # live_refused DEVICE-JSON MESSAGE : PATCH adding device bad answers 4xx saying MESSAGE
  api PATCH /1.0/instances/sr1 "{\"devices\":{\"bad\":$1}}" >$WORK/answer
  cat $WORK/answer
  jq -e '.error_code >= 400 and .error_code < 500 or .metadata.status_code >= 400' $WORK/answer >/dev/null &&
    grep -qF "$2" $WORK/answer && ! lxc config device show sr1 | grep -q '^bad:' &&
    ! lxc config show sr1 | grep -q 'volatile\.bad\.' && ip link show $V >/dev/null && ip link show $V-q >/dev/null &&
    lxc list sr1 -c s --format csv | grep -qx RUNNING
}
export -f live_refused
expect sriov-live-missing-parent live_refused '{"type":"nic","nictype":"sriov","parent":"lxdpsr-none"}' 'parent interface \"lxdpsr-none\" not found'
expect sriov-live-not-sriov live_refused "{\"type\":\"nic\",\"nictype\":\"sriov\",\"parent\":\"$V\"}" "parent \\\"$V\\\" doesn't support SR-IOV"
expect ib-live-missing-parent live_refused '{"type":"infiniband","nictype":"physical","parent":"lxdpsr-none"}' 'parent interface \"lxdpsr-none\" not found'
expect ib-live-not-ib live_refused "{\"type\":\"infiniband\",\"nictype\":\"physical\",\"parent\":\"$V\"}" "\\\"$V\\\" is not an infiniband device"
expect ib-sriov-live-not-ib live_refused "{\"type\":\"infiniband\",\"nictype\":\"sriov\",\"parent\":\"$V\"}" "\\\"$V\\\" is not an infiniband device"
expect stop lxc stop -f sr1

# ---- with the hardware ----
pf=
for f in /sys/class/net/*/device/sriov_totalvfs; do
  [ -e "$f" ] && [ "$(cat "$f")" -gt 0 ] && [ "$(cat "${f%/device/*}/type")" = 1 ] && { pf=$(basename "$(dirname "$(dirname "$f")")"); break; }
done
if [ -n "$pf" ]; then
  export pf
  expect sriov-start bash -c "lxc config device add sr1 vf nic nictype=sriov parent=$pf name=vf0 mtu=1400 security.mac_filtering=true >/dev/null && lxc start sr1"
  expect sriov-inside bash -c "mac=\$(lxc config get sr1 volatile.vf.hwaddr) && [ -n \"\$mac\" ] &&
    lxc exec sr1 -- ip link show vf0 | grep -q \"\$mac\" && lxc exec sr1 -- ip link show vf0 | grep -q 'mtu 1400'"
  expect sriov-volatile bash -c "vf=\$(lxc config get sr1 volatile.vf.host_name) && [ -n \"\$vf\" ] && ! ip link show \"\$vf\" 2>/dev/null &&
    id=\$(lxc config get sr1 volatile.vf.last_state.vf.id) && ip link show $pf | grep -q \"vf \$id .*spoof checking on\""
  vf=$(lxc config get sr1 volatile.vf.host_name)
  expect sriov-stop-restores bash -c "lxc stop -f sr1 && ip link show $vf >/dev/null &&
    id=\$(lxc config get sr1 volatile.vf.last_state.vf.id) && ip link show $pf | grep \"vf \$id \" | grep -q \"spoof checking \$( [ \$(lxc config get sr1 volatile.vf.last_state.vf.spoofcheck) = true ] && echo on || echo off)\""
  lxc config device remove sr1 vf >/dev/null
  expect sriov-live bash -c "lxc start sr1 && lxc config device add sr1 vf nic nictype=sriov parent=$pf name=vf0 && lxc exec sr1 -- ip link show vf0 &&
    vf=\$(lxc config get sr1 volatile.vf.host_name) && ! ip link show \$vf 2>/dev/null && lxc config device remove sr1 vf && ip link show \$vf && lxc stop -f sr1"
else
  echo "skip sriov start and stop: no SR-IOV capable Ethernet NIC here (no /sys/class/net/*/device/sriov_totalvfs above 0)"
fi
ib=
for d in /sys/class/net/*; do
  [ "$(cat "$d/type" 2>/dev/null)" = 32 ] && [ -e "$d/device/infiniband" ] && { ib=$(basename "$d"); break; }
done
if [ -n "$ib" ] && ! ip link show "$ib" | grep -q 'state UP'; then
  export ib
  expect ib-physical-start bash -c "lxc config device add sr1 ib infiniband nictype=physical parent=$ib name=ib0 >/dev/null && lxc start sr1 &&
    lxc exec sr1 -- ip link show ib0 && ! ip link show $ib 2>/dev/null && lxc exec sr1 -- ls /dev/infiniband | grep -q uverbs"
  expect ib-physical-back bash -c "lxc stop -f sr1 && ip link show $ib"
  lxc config device remove sr1 ib >/dev/null
  expect ib-physical-live bash -c "lxc start sr1 && lxc config device add sr1 ib infiniband nictype=physical parent=$ib name=ib0 &&
    lxc exec sr1 -- ls /dev/infiniband | grep -q uverbs && lxc config device remove sr1 ib && ip link show $ib &&
    ! lxc exec sr1 -- ls /dev/infiniband 2>/dev/null | grep -q uverbs && lxc stop -f sr1"
else
  echo "skip infiniband start and stop: no infiniband interface here that is free (no /sys/class/infiniband device with an IPoIB interface down)"
fi
