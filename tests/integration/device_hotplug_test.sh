#!/bin/bash
# Devices added to and removed from a running container (hot-plug, ABI 1.2): NICs (p2p, bridged
# on a host bridge the test makes, macvlan, routed, ipvlan where the kernel has it, bridged with
# filters and routes) appear inside with traffic across and leave both sides on removal, the
# host-side extras (nft tables, routes, proxy entries) too, and so does a stop with them in;
# host directories, files and unix-char nodes are mounted in and out; usb and unix-hotplug devices
# follow the monitor of plugs, which runs while a container follows one (plugs themselves where a
# real device exists); a refused change is undone and not saved. Addresses: 198.18.90.0/23 only.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
BR=lxdphp-br P2P=lxdphp-p2p MV=lxdphp-mvp IV=lxdphp-ivp IVH=lxdphp-ivh
cleanup_links() {
  for l in $BR $P2P $MV $IV $IVH; do ip link del "$l" 2>/dev/null; done
  return 0
}
trap 'lxc delete -f hp1 >/dev/null 2>&1; cleanup_links; finish' EXIT
cleanup_links
start_daemon
setup_base

ip link add $BR type bridge && ip addr add 198.18.90.1/24 dev $BR && ip link set $BR up
ip link add $MV type veth peer name $MV-q && ip link set $MV up && ip link set $MV-q up
# ipvlan where the kernel has it: a parent and the host's own ipvlan on it to talk to the container's.
ip link add $IV type veth peer name $IV-q && ip link set $IV up && ip link set $IV-q up
HAVE_IPVLAN=0
if ip link add $IVH link $IV type ipvlan mode l3s 2>/dev/null; then
  HAVE_IPVLAN=1 && ip addr add 198.18.91.1/24 dev $IVH && ip link set $IVH up
fi
export BR P2P MV IV IVH

lxc launch bb hp1 >/dev/null
in_ct() { lxc exec hp1 -- "$@"; }
export -f in_ct

# ---- NICs ----
expect p2p-add lxc config device add hp1 eth1 nic nictype=p2p host_name=$P2P name=eth1
expect p2p-inside bash -c "in_ct ip link show eth1 | grep -q 'state UP\|,UP'"
expect p2p-host-side bash -c "ip link show $P2P"
expect p2p-volatile bash -c "lxc config get hp1 volatile.eth1.host_name | grep -qx $P2P && lxc config get hp1 volatile.eth1.name | grep -qx eth1 && [ -n \"\$(lxc config get hp1 volatile.eth1.hwaddr)\" ]"
expect p2p-mac-inside bash -c "in_ct ip link show eth1 | grep -q \"\$(lxc config get hp1 volatile.eth1.hwaddr)\""
expect p2p-traffic bash -c "ip addr add 198.18.90.129/30 dev $P2P && in_ct ip addr add 198.18.90.130/30 dev eth1 && busybox ping -c 3 -W 3 198.18.90.130"
expect p2p-state bash -c "api GET /1.0/instances/hp1/state | grep -q '\"host_name\":\"$P2P\"'"
expect p2p-remove lxc config device remove hp1 eth1
expect p2p-gone bash -c "! in_ct ip link show eth1 2>/dev/null && ! ip link show $P2P 2>/dev/null"
expect p2p-volatile-gone bash -c "[ -z \"\$(lxc config get hp1 volatile.eth1.host_name)\" ]"

expect bridged-add lxc config device add hp1 eth1 nic nictype=bridged parent=$BR hwaddr=00:16:3e:90:00:02 mtu=1400 name=eth1
expect bridged-joins-bridge bash -c "ip -o link show master $BR | grep -q \"\$(lxc config get hp1 volatile.eth1.host_name)\""
expect bridged-hwaddr-mtu bash -c "in_ct ip link show eth1 | grep -q 'mtu 1400' && in_ct ip link show eth1 | grep -q 00:16:3e:90:00:02"
expect bridged-traffic bash -c "in_ct ip addr add 198.18.90.2/24 dev eth1 && in_ct ping -c 3 -W 3 198.18.90.1"
# A changed NIC goes out and comes back with the new keys, under the same name and MAC.
expect bridged-change bash -c "lxc config device set hp1 eth1 mtu=1300 && in_ct ip link show eth1 | grep -q 'mtu 1300' && in_ct ip link show eth1 | grep -q 00:16:3e:90:00:02 && [ \$(ip -o link show master $BR | wc -l) = 1 ]"
expect bridged-remove lxc config device remove hp1 eth1
expect bridged-gone bash -c "! in_ct ip link show eth1 2>/dev/null && [ -z \"\$(ip -o link show master $BR)\" ]"

# A name another running NIC holds is never taken: "aaa" sorts first but gets the next free ethN.
expect name-after-running bash -c "
  lxc config device add hp1 zzz nic nictype=p2p && lxc config get hp1 volatile.zzz.name | grep -qx eth0 &&
  lxc config device add hp1 aaa nic nictype=p2p && lxc config get hp1 volatile.aaa.name | grep -qx eth1 &&
  in_ct ip link show eth0 && in_ct ip link show eth1 && lxc config device remove hp1 aaa && lxc config device remove hp1 zzz"

expect macvlan-add lxc config device add hp1 eth2 nic nictype=macvlan parent=$MV name=eth2
expect macvlan-inside bash -c "in_ct ip link show eth2 | grep -q \"\$(lxc config get hp1 volatile.eth2.hwaddr)\""
expect macvlan-remove bash -c "lxc config device remove hp1 eth2 && ! in_ct ip link show eth2 2>/dev/null && ! ip -o link show type macvlan | grep -q lxdt"

# A refused NIC leaves nothing: no interface on either side, no device recorded.
expect bad-parent-refused bash -c "! lxc config device add hp1 eth3 nic nictype=bridged parent=lxdphp-none 2>$WORK/err && grep -q 'not found' $WORK/err && ! lxc config device show hp1 | grep -q eth3 && ! in_ct ip link show eth3 2>/dev/null"
expect bad-change-undone bash -c "
  lxc config device add hp1 eth3 nic nictype=p2p host_name=$P2P name=eth3 &&
  ! lxc config device set hp1 eth3 nictype=bridged parent=lxdphp-none 2>$WORK/err && grep -q 'not found' $WORK/err &&
  lxc config device get hp1 eth3 nictype | grep -qx p2p && ip link show $P2P && in_ct ip link show eth3 &&
  lxc config device remove hp1 eth3"

# Routed: addresses and gateway inside, the host's route and gateway, the parent's proxy entry;
# all of it goes with the NIC.
hostname_of() { lxc config get hp1 "volatile.$1.host_name"; }
export -f hostname_of
expect routed-add lxc config device add hp1 eth4 nic nictype=routed ipv4.address=198.18.90.200 parent=$BR name=rt0
expect routed-inside bash -c "in_ct ip -4 addr show rt0 | grep -q 198.18.90.200/32 && in_ct ip -4 route show default | grep -q 'via 169.254.0.1 dev rt0'"
expect routed-host-side bash -c "ip -4 route show 198.18.90.200 | grep -q \"dev \$(hostname_of eth4)\" && ip -4 addr show \$(hostname_of eth4) | grep -q 169.254.0.1/32 && ip neigh show proxy dev $BR | grep -q 198.18.90.200"
expect routed-traffic busybox ping -c 2 -W 3 198.18.90.200
# A second NIC with a gateway would be a second default route: refused, nothing made.
expect routed-second-gateway-refused bash -c "! lxc config device add hp1 eth6 nic nictype=routed ipv4.address=198.18.90.201 2>$WORK/err && grep -q 'default route already' $WORK/err && ! lxc config device show hp1 | grep -q eth6: && ! ip -4 route show 198.18.90.201 | grep -q . && [ \$(in_ct ls /sys/class/net | wc -l) = 2 ]"
expect routed-remove bash -c "veth=\$(hostname_of eth4) && lxc config device remove hp1 eth4 && ! in_ct ip link show rt0 2>/dev/null && ! ip link show \$veth 2>/dev/null && ! ip neigh show proxy dev $BR | grep -q 198.18.90.200 && ! ip -4 route show 198.18.90.200 | grep -q ."

if [ $HAVE_IPVLAN = 1 ]; then
  expect ipvlan-add lxc config device add hp1 eth4 nic nictype=ipvlan parent=$IV ipv4.address=198.18.91.2 name=iv0
  expect ipvlan-inside bash -c "in_ct ip -4 addr show iv0 | grep -q 198.18.91.2/32 && in_ct ip -4 route show default | grep -q 'dev iv0'"
  expect ipvlan-traffic busybox ping -c 2 -W 3 -I $IVH 198.18.91.2
  expect ipvlan-remove bash -c "lxc config device remove hp1 eth4 && ! in_ct ip link show iv0 2>/dev/null && ! ip -o link show type ipvlan | grep -q lxdt"
else
  echo "skip ipvlan hot-plug: this kernel has no ipvlan (ip link add ... type ipvlan fails)"
fi

# Bridged with IPv4 filtering and routes: the nft table is there before the NIC joins the bridge,
# spoofed sources are dropped, the route goes via the NIC's address; removal takes both away.
table_of() { echo "lxdpp_$(hostname_of eth5)"; }
export -f table_of
expect filtered-add lxc config device add hp1 eth5 nic nictype=bridged parent=$BR name=eth5 security.ipv4_filtering=true ipv4.address=198.18.90.20 ipv4.routes=198.18.90.128/28
expect filtered-table bash -c "nft list table bridge \$(table_of) | grep -q 'ip saddr != 198.18.90.20 drop'"
expect filtered-route bash -c "ip -4 route show 198.18.90.128/28 | grep -q 'via 198.18.90.20 dev $BR'"
expect filtered-traffic bash -c "in_ct ip addr add 198.18.90.20/24 dev eth5 && in_ct ping -c 2 -W 3 198.18.90.1"
expect filtered-spoof-dropped bash -c "in_ct ip addr add 198.18.90.21/24 dev eth5 && ! in_ct ping -c 2 -W 2 -I 198.18.90.21 198.18.90.1"
expect filtered-remove bash -c "table=\$(table_of) && lxc config device remove hp1 eth5 && ! nft list table bridge \$table 2>/dev/null && ! ip -4 route show 198.18.90.128/28 | grep -q . && [ -z \"\$(ip -o link show master $BR)\" ]"
# Hot-plugged, then the container stops by itself: its stop undoes them as for NICs of the start.
expect filtered-halt-inside bash -c "
  lxc config device add hp1 eth5 nic nictype=bridged parent=$BR security.mac_filtering=true ipv4.address=198.18.90.20 ipv4.routes=198.18.90.128/28 &&
  lxc config device add hp1 eth4 nic nictype=routed ipv4.address=198.18.90.200 parent=$BR &&
  table=\$(table_of) && nft list table bridge \$table >/dev/null && ip neigh show proxy dev $BR | grep -q 198.18.90.200 &&
  lxc exec hp1 -- halt; for i in \$(seq 30); do lxc list hp1 -c s --format csv | grep -q STOPPED && break; sleep 1; done;
  lxc list hp1 -c s --format csv | grep -q STOPPED && ! nft list table bridge \$table 2>/dev/null &&
  ! ip -4 route show 198.18.90.128/28 | grep -q . && ! ip neigh show proxy dev $BR | grep -q 198.18.90.200"
expect filtered-start-again bash -c "lxc start hp1 && table=\$(table_of) && nft list table bridge \$table >/dev/null && in_ct ip -4 addr show | grep -q 198.18.90.200/32 &&
  lxc config device remove hp1 eth4 && lxc config device remove hp1 eth5 && ! nft list table bridge \$table 2>/dev/null && ! ip neigh show proxy dev $BR | grep -q ."

# Through a profile the instance uses, the same.
expect profile-add bash -c "lxc profile create hp >/dev/null && lxc profile device add hp eth5 nic nictype=p2p host_name=$P2P name=eth5 && lxc profile add hp1 hp && in_ct ip link show eth5 && ip link show $P2P"
expect profile-device-remove bash -c "lxc profile device remove hp eth5 && ! ip link show $P2P 2>/dev/null && ! in_ct ip link show eth5 2>/dev/null"
lxc profile remove hp1 hp >/dev/null; lxc profile delete hp >/dev/null

# ---- disks ----
mkdir -p "$WORK/hostdir/sub" && echo hello >"$WORK/hostdir/f" && echo file >"$WORK/hostfile"
chmod 777 "$WORK/hostdir/sub"  # host root's directory: the container's root writes there as "other"
expect disk-add lxc config device add hp1 hd disk source="$WORK/hostdir" path=/mnt/a/b
expect disk-inside bash -c "[ \"\$(in_ct cat /mnt/a/b/f)\" = hello ]"
expect disk-writes-reach-host bash -c "in_ct sh -c 'echo back >/mnt/a/b/sub/g' && [ \"\$(cat $WORK/hostdir/sub/g)\" = back ]"
expect disk-change-readonly bash -c "lxc config device set hp1 hd readonly=true && in_ct cat /mnt/a/b/f && ! in_ct touch /mnt/a/b/x 2>/dev/null"
expect disk-remove bash -c "lxc config device remove hp1 hd && ! in_ct test -e /mnt/a/b/f && ! grep -q ' /mnt/a/b ' /proc/\$(lxc query /1.0/instances/hp1/state | sed -n 's/.*\"pid\": \\([0-9]*\\).*/\\1/p')/mountinfo"
expect file-disk bash -c "lxc config device add hp1 hf disk source=$WORK/hostfile path=/etc/hostfile && [ \"\$(in_ct cat /etc/hostfile)\" = file ] && lxc config device remove hp1 hf && ! in_ct grep -q file /etc/hostfile"
expect missing-disk-refused bash -c "! lxc config device add hp1 md disk source=$WORK/missing path=/md 2>$WORK/err && grep -q 'not found on the host' $WORK/err && ! lxc config device show hp1 | grep -q md:"
expect optional-missing-disk bash -c "lxc config device add hp1 md disk source=$WORK/missing path=/md required=false && lxc config device remove hp1 md"
expect volume-attach bash -c "lxc storage volume create default hv >/dev/null && lxc storage volume attach default hv hp1 /srv/hv && in_ct sh -c 'echo v >/srv/hv/v' && lxc storage volume detach default hv hp1 && ! in_ct test -e /srv/hv/v && lxc storage volume delete default hv"

# ---- unix-char ----
expect unix-char-add lxc config device add hp1 myzero unix-char source=/dev/zero path=/dev/myzero
expect unix-char-readable bash -c "[ \"\$(in_ct head -c 4 /dev/myzero | od -An -tx1 | tr -d ' ')\" = 00000000 ]"
expect unix-char-remove bash -c "lxc config device remove hp1 myzero && ! in_ct test -e /dev/myzero && ! ls $LXD_DIR/devices/hp1/ 2>/dev/null | grep -q myzero"
expect unix-missing-refused bash -c "! lxc config device add hp1 nod unix-char source=/dev/lxdphp-none path=/dev/nod 2>$WORK/err && grep -q 'not found on the host' $WORK/err"

# ---- usb and gpu: the host's nodes that match (libudev); no host device has the ids ffff ----
devices_of() { lxc query /1.0/instances/hp1 | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)["devices"]))'; }
export -f devices_of
before=$(devices_of)
for bad in '"u":{"type":"usb","vendorid":"XYZ1"}' '"u":{"type":"usb","productid":"12345"}' '"u":{"type":"usb","mode":"999"}' \
           '"g":{"type":"gpu","pci":"01:00"}' '"g":{"type":"gpu","pci":"0000:01:00.0","vendorid":"10de"}' \
           '"g":{"type":"gpu","gputype":"mig","id":"0"}' '"i":{"type":"infiniband","nictype":"physical"}' \
           '"h":{"type":"unix-hotplug","mode":"0660"}'; do
  expect "bad-props-400 $bad" bash -c "[ \$(status_of PATCH /1.0/instances/hp1 '{\"devices\":{$bad}}') = 400 ] && [ \"\$(devices_of)\" = \"$before\" ]"
done
expect usb-optional-none lxc config device add hp1 u usb vendorid=ffff productid=ffff
expect usb-optional-removed lxc config device remove hp1 u
expect usb-required-none bash -c "! lxc config device add hp1 u usb vendorid=ffff required=true 2>$WORK/err && grep -q 'no USB device of the host matches' $WORK/err"
expect gpu-none bash -c "! lxc config device add hp1 g gpu vendorid=ffff 2>$WORK/err && grep -q 'failed to detect the requested GPU' $WORK/err && [ \"\$(devices_of)\" = \"$before\" ]"
expect gpu-none-at-start bash -c "lxc stop -f hp1 && lxc config device add hp1 g gpu pci=0000:ff:1f.7 && ! lxc start hp1 2>$WORK/err; grep -q 'failed to detect the requested GPU' $WORK/err"
expect usb-optional-at-start bash -c "lxc config device remove hp1 g && lxc config device add hp1 u usb vendorid=ffff && lxc start hp1"
expect infiniband-live-missing-parent bash -c "! lxc config device add hp1 ib infiniband nictype=physical parent=lxdphp-none 2>$WORK/err && grep -q 'parent interface \"lxdphp-none\" not found' $WORK/err && ! lxc config device show hp1 | grep -q '^ib:'"

# ---- unix-hotplug, and the monitor of plugs that usb and unix-hotplug devices follow ----
# One libudev monitor for the driver: started by the first container that follows a device (the
# usb device u above), stopped once none does.
monitor_lines() { grep -c "Device monitor $1" "$WORK/daemon.log"; }
monitor_running() { [ $(monitor_lines started) = $(($(monitor_lines stopped) + 1)) ]; }
monitor_idle() { [ $(monitor_lines started) = $(monitor_lines stopped) ]; }
export -f monitor_lines monitor_running monitor_idle
export WORK
expect monitor-follows-usb monitor_running
before=$(devices_of)
for bad in '"h":{"type":"unix-hotplug","vendorid":"XYZ1"}' '"h":{"type":"unix-hotplug","productid":"12345"}' \
           '"h":{"type":"unix-hotplug","vendorid":"ffff","required":"maybe"}' '"h":{"type":"unix-hotplug","vendorid":"ffff","uid":"-1"}'; do
  expect "bad-props-400 $bad" bash -c "[ \$(status_of PATCH /1.0/instances/hp1 '{\"devices\":{$bad}}') = 400 ] && [ \"\$(devices_of)\" = \"$before\" ]"
done
expect unix-hotplug-optional-live bash -c "lxc config device add hp1 h unix-hotplug vendorid=ffff productid=fffe uid=0 gid=0 mode=0600 &&
  lxc config device get hp1 h vendorid | grep -qx ffff && lxc list hp1 -c s --format csv | grep -q RUNNING"
expect unix-hotplug-required-live-refused bash -c "! lxc config device add hp1 h2 unix-hotplug vendorid=ffff required=true 2>$WORK/err &&
  grep -q 'no device node of the host with udev ids matches vendorid \"ffff\"' $WORK/err && ! lxc config device show hp1 | grep -q h2:"
expect unix-hotplug-change bash -c "lxc config device set hp1 h productid=fffd && lxc config device get hp1 h productid | grep -qx fffd"
# Both followers gone: the monitor stops; a start with an optional unmatched device starts it again.
expect monitor-stopped-when-none-follows bash -c "lxc config device remove hp1 h && lxc config device remove hp1 u &&
  monitor_idle"
expect unix-hotplug-optional-at-start bash -c "lxc stop -f hp1 && lxc config device add hp1 h unix-hotplug productid=fffe && lxc start hp1 &&
  monitor_running && lxc list hp1 -c s --format csv | grep -q RUNNING"
expect unix-hotplug-required-at-start-refused bash -c "lxc stop -f hp1 && lxc config device set hp1 h required=true && ! lxc start hp1 2>$WORK/err;
  grep -q 'no device node of the host with udev ids matches' $WORK/err && lxc list hp1 -c s --format csv | grep -q STOPPED"
expect monitor-stopped-with-container bash -c "monitor_idle && lxc config device remove hp1 h && lxc start hp1"
# A container that stops from inside is noticed by the monitor's sweep (every 10 s).
expect monitor-stopped-after-halt-inside bash -c "lxc config device add hp1 h unix-hotplug vendorid=ffff && monitor_running &&
  lxc exec hp1 -- halt; for i in \$(seq 50); do monitor_idle && break; sleep 0.5; done; monitor_idle &&
  lxc config device remove hp1 h && lxc start hp1"
# A daemon restarted under the container follows its device again (its monitor restarts), and
# removing the device or stopping the container stops that monitor. Each daemon logs afresh.
restart_daemon() { stop_daemon; mv "$WORK/daemon.log" "$WORK/daemon.log.old"; start_daemon; }
monitor_back() { for i in $(seq 40); do monitor_running && break; sleep 0.5; done; monitor_running; }
export -f monitor_back
expect monitor-follows-before-restart bash -c "lxc config device add hp1 h unix-hotplug vendorid=ffff && monitor_running"
restart_daemon
expect monitor-restarted-with-daemon bash -c "monitor_back && lxc list hp1 -c s --format csv | grep -q RUNNING"
expect monitor-stopped-by-removal-after-restart bash -c "lxc config device remove hp1 h && monitor_idle"
expect monitor-follows-usb-before-restart bash -c "lxc config device add hp1 u usb vendorid=ffff && monitor_running"
restart_daemon
expect monitor-restarted-with-daemon-usb bash -c "monitor_back"
expect monitor-stopped-by-stop-after-restart bash -c "lxc stop -f hp1 && monitor_idle && lxc config device remove hp1 u && lxc start hp1"

# Plugs and unplugs need a real device: one udev identified (unix-hotplug) or a USB device (usb).
# Where there is one, the kernel is asked to announce it gone and back (its uevent file), which
# is what unplugging and plugging it does to the monitor.
identified_node() { # "vendor product devnode sysdir" of a node udev gave both ids, not USB's own
  local f v p t sys sub name
  for f in /run/udev/data/[cb]*:*; do
    [ -e "$f" ] || continue
    v=$(sed -n 's/^E:ID_VENDOR_ID=//p' "$f"); p=$(sed -n 's/^E:ID_MODEL_ID=//p' "$f")
    [ -n "$v" ] && [ -n "$p" ] || continue
    t=$(basename "$f"); sys=/sys/dev/$([ "${t:0:1}" = c ] && echo char || echo block)/${t:1}
    sub=$(basename "$(readlink -f "$sys/subsystem")"); [[ $sub == usb* ]] && continue
    name=$(sed -n 's/^DEVNAME=//p' "$sys/uevent" 2>/dev/null)
    [ -n "$name" ] && echo "$v $p /dev/$name $(readlink -f "$sys")" && return 0
  done
  return 1
}
usb_node() { # "vendor product devnode sysdir" of a USB device with a node
  local d name
  for d in /sys/bus/usb/devices/*; do
    name=$(sed -n 's/^DEVNAME=//p' "$d/uevent" 2>/dev/null)
    [ -n "$name" ] && [ -r "$d/idVendor" ] && echo "$(cat "$d/idVendor") $(cat "$d/idProduct") /dev/$name $(readlink -f "$d")" && return 0
  done
  return 1
}
follows_plugs() { # follows_plugs TYPE "vendor product devnode sysdir"
  local type=$1 V P NODE SYS; read -r V P NODE SYS <<<"$2"
  expect "$type-real-at-start" bash -c "lxc stop -f hp1 && lxc config device add hp1 real $type vendorid=$V productid=$P required=true && lxc start hp1 && in_ct test -e $NODE"
  expect "$type-real-unplugged" bash -c "echo remove >$SYS/uevent; for i in \$(seq 20); do in_ct test -e $NODE || break; sleep 0.5; done; ! in_ct test -e $NODE"
  expect "$type-real-plugged" bash -c "echo add >$SYS/uevent; for i in \$(seq 20); do in_ct test -e $NODE && break; sleep 0.5; done; in_ct test -e $NODE"
  expect "$type-real-removed" bash -c "lxc config device remove hp1 real && ! in_ct test -e $NODE"
}
if [ ! -d /run/udev/data ]; then
  echo "skip unix-hotplug plug and unplug: no udev here (/run/udev/data is missing), so no node has the ID_VENDOR_ID/ID_MODEL_ID it matches and no udev event announces one"
elif real=$(identified_node); then
  follows_plugs unix-hotplug "$real"
else
  echo "skip unix-hotplug plug and unplug: udev identified no device node of this machine (none has ID_VENDOR_ID and ID_MODEL_ID)"
fi
if real=$(usb_node); then
  follows_plugs usb "$real"
else
  echo "skip usb plug and unplug: this machine has no USB device with a node (/sys/bus/usb/devices is empty or missing)"
fi
if [ -z "$(ls /sys/class/infiniband 2>/dev/null)" ]; then
  echo "skip infiniband: this machine has no infiniband/RDMA device (/sys/class/infiniband is empty)"
fi

expect delete lxc delete -f hp1
