#!/bin/bash
# GET /1.0/resources against what /proc and /sys say of this machine, `lxc info --resources` as
# the real client prints it, a restricted certificate reading it, and storage pool resources
# (space from the driver, inodes from statvfs) through `lxc storage info` and pylxd.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
export LXD_CONF=$WORK/client
start_daemon

api GET /1.0/resources | jq .metadata >"$WORK/res.json"
r() { jq -e "$1" "$WORK/res.json" >/dev/null; }
export -f r; export WORK

cpus=$(ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l)
memtotal=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 1024))
pci=$(ls /sys/bus/pci/devices 2>/dev/null | wc -l)
expect "resources_v2 and its follow-ups are advertised" bash -c "api GET /1.0 | jq -e '.metadata.api_extensions | index(\"resources_v2\") and index(\"resources_system\") and index(\"resources_usb_pci\")'"
expect "every part is there" r '[.cpu, .memory, .gpu, .network, .storage, .usb, .pci, .system] | all(. != null)'
expect "cpu threads as /sys lists them ($cpus)" r "(.cpu.total == $cpus) and ([.cpu.sockets[].cores[].threads[]] | length == $cpus)"
expect "cpu architecture is uname's" r ".cpu.architecture == \"$(uname -m)\""
expect "cpu socket names from cpuinfo" r ".cpu.sockets[0].name == \"$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)\""
expect "memory total is MemTotal" r ".memory.total == $memtotal and .memory.used > 0 and .memory.used < $memtotal"
expect "hugepage size is the kernel's" r ".memory.hugepages_size == $(($(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo) * 1024))"
expect "pci devices as /sys lists them ($pci)" r ".pci.total == $pci and (.pci.devices | length) == $pci"
for nic in /sys/class/net/*; do
  [[ -e $nic/device ]] || continue
  n=$(basename "$nic")
  expect "network port $n with its address" r "[.network.cards[].ports[] | select(.id == \"$n\" and .address == \"$(cat "$nic/address")\")] | length == 1"
done
expect "interfaces without a device are left out" r '[.network.cards[].ports[].id] | index("lo") | not'
for blk in /sys/class/block/*; do
  n=$(basename "$blk")
  if [[ -e $blk/device && ! -e $blk/partition ]]; then
    expect "disk $n with its size" r "[.storage.disks[] | select(.id == \"$n\" and .size == $(($(cat "$blk/size") * 512)) and .device == \"$(cat "$blk/dev")\")] | length == 1"
  elif [[ ! -e $blk/device ]]; then
    expect "virtual block device $n left out" r "[.storage.disks[].id] | index(\"$n\") | not"
  fi
done
expect "system type is known" r '.system.type | IN("physical", "virtual-machine", "container")'

expect "lxc info --resources prints the host" bash -c "lxc info --resources >'$WORK/info.out' && grep -q '^CPU' '$WORK/info.out' &&
  grep -q '^Memory:' '$WORK/info.out' && grep -q 'Total: ' '$WORK/info.out' && ! grep -q 18446744073709551615 '$WORK/info.out'"
expect "no NUMA node or speed the kernel does not know (-1) is reported" r '[.. | numbers | select(. >= 18446744073709551615)] | length == 0'

# A restricted certificate reads it, as upstream lets every trusted caller.
port=$((20000 + RANDOM % 20000))
api PATCH /1.0 "{\"config\":{\"core.https_address\":\"127.0.0.1:$port\"}}" >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 30 -subj "/CN=limited" \
  -keyout "$WORK/limited.key" -out "$WORK/limited.crt" 2>/dev/null
api POST /1.0/certificates "{\"type\":\"client\",\"name\":\"limited\",\"restricted\":true,\"projects\":[\"default\"],\"certificate\":\"$(sed '1d;$d' "$WORK/limited.crt" | tr -d '\n')\"}" >/dev/null
expect "a restricted certificate reads the resources" bash -c "curl -sk --cert '$WORK/limited.crt' --key '$WORK/limited.key' https://127.0.0.1:$port/1.0/resources | jq -e '.metadata.cpu.total == $cpus'"
expect "and cannot write there" bash -c "[ \$(curl -sk -o /dev/null -w '%{http_code}' -X POST --cert '$WORK/limited.crt' --key '$WORK/limited.key' https://127.0.0.1:$port/1.0/resources) != 200 ]"

# Storage pool resources: a dir pool is a folder of the host's filesystem.
lxc storage create pool1 dir >/dev/null
pooldir=$LXD_DIR/storage-pools/pool1
expect "pool space is the filesystem's" bash -c "api GET /1.0/storage-pools/pool1/resources | jq -e '.metadata.space.total == $(($(stat -f -c '%b*%S' "$pooldir")))'"
expect "pool inodes from statvfs" bash -c "api GET /1.0/storage-pools/pool1/resources | jq -e '.metadata.inodes.total == $(stat -f -c %c "$pooldir") and .metadata.inodes.used > 0'"
expect "lxc storage info shows the space" bash -c "lxc storage info pool1 | grep -q 'space used:' && lxc storage info pool1 | grep -q 'total space:'"
expect "missing pool is 404" bash -c "[ \$(status_of GET /1.0/storage-pools/nope/resources) = 404 ]"
if /usr/bin/python3 -c 'import pylxd' 2>/dev/null; then
  expect "pylxd reads pool resources" /usr/bin/python3 -c "
import pylxd
c = pylxd.Client()
res = c.storage_pools.get('pool1').resources.get()
assert res.space['total'] > 0 and res.inodes['total'] > 0, (res.space, res.inodes)
assert c.api.resources.get().json()['metadata']['cpu']['total'] == $cpus
"
fi
lxc storage delete pool1 >/dev/null
