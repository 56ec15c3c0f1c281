#!/bin/bash
# raw.idmap maps host ids 1:1 into an unprivileged container, as upstream: a host directory owned
# by uid 1000, attached as a disk, reads as 1000 inside with "both 1000 1000" and as nobody
# without; the base range is split around the entry (the other ids keep their host ids, the
# rootfs is shifted when the map changes on a start); bad values are refused and change nothing;
# a privileged container ignores it.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

start_daemon
setup_base >/dev/null 2>&1
ubase=$(awk -F: '$1=="root"{print $2; exit}' /etc/subuid); ubase=${ubase:-1000000}
gbase=$(awk -F: '$1=="root"{print $2; exit}' /etc/subgid); gbase=${gbase:-1000000}
export ubase gbase WORK
# newuidmap/newgidmap (liblxc maps through them when the uidmap package is installed) map only ids
# delegated to root: upstream's documentation has root:1000:1 (here 1000:2, for the range test) added to /etc/subuid and
# /etc/subgid for raw.idmap. Added after root's range (which stays the first) and removed at exit.
added=()
for f in /etc/subuid /etc/subgid; do
  grep -qx 'root:1000:2' "$f" || { echo 'root:1000:2' >>"$f"; added+=("$f"); }
done
trap 'for f in "${added[@]}"; do sed -i "/^root:1000:2\$/d" "$f"; done; finish' EXIT

# A host directory owned by 1000:1000 (and a file of 1001, not mapped).
mkdir -p "$WORK/share" && chmod 755 "$WORK/share"
echo hi >"$WORK/share/f" && chown 1000:1000 "$WORK/share" "$WORK/share/f"
echo other >"$WORK/share/g" && chown 1001:1001 "$WORK/share/g"

expect init lxc init bb c
expect attach lxc config device add c share disk source="$WORK/share" path=/mnt/share
expect default-map-nobody bash -c 'lxc start c && [ "$(lxc exec c -- stat -c %u:%g /mnt/share/f)" = 65534:65534 ] && lxc stop -f c'
expect container-file-1000 bash -c 'lxc start c && lxc exec c -- sh -c "echo mine > /root/mine && chown 1000:1000 /root/mine" && lxc stop -f c &&
  [ "$(stat -c %u "$LXD_DIR/storage-pools/default/containers/c/rootfs/root/mine")" = $((ubase + 1000)) ]'

expect set-raw lxc config set c raw.idmap "both 1000 1000"
expect raw-maps-host-1000 bash -c 'lxc start c && [ "$(lxc exec c -- stat -c %u:%g /mnt/share/f)" = 1000:1000 ] && [ "$(lxc exec c -- cat /mnt/share/f)" = hi ]'
expect raw-unmapped-stays-nobody bash -c '[ "$(lxc exec c -- stat -c %u /mnt/share/g)" = 65534 ]'
expect raw-write-as-1000 bash -c 'lxc exec c -- sh -c "echo new > /mnt/share/new && chown 1000:1000 /mnt/share/new" && [ "$(stat -c %u:%g "$WORK/share/new")" = 1000:1000 ]'
# The base range split around the entry: 0-999 and 1001 on keep their host ids.
expect raw-map-split bash -c 'lxc config get c volatile.idmap.current | python3 -c "
import json, sys
m = json.load(sys.stdin)
for kind, base in ((\"Isuid\", $ubase), (\"Isgid\", $gbase)):
    got = sorted((e[\"Nsid\"], e[\"Hostid\"], e[\"Maprange\"]) for e in m if e[kind])
    assert got[:2] == [(0, base, 1000), (1000, 1000, 1)] and got[2][:2] == (1001, base + 1001), got
"'
expect raw-other-ids-same bash -c '[ "$(lxc exec c -- stat -c %u /bin)" = 0 ] && [ "$(stat -c %u "$LXD_DIR/storage-pools/default/containers/c/rootfs/bin")" = $ubase ]'
# The container's own uid 1000 file now belongs to host uid 1000: the rootfs was shifted.
expect rootfs-shifted bash -c '[ "$(stat -c %u "$LXD_DIR/storage-pools/default/containers/c/rootfs/root/mine")" = 1000 ] && [ "$(lxc exec c -- stat -c %u /root/mine)" = 1000 ]'
expect recorded bash -c '[ "$(lxc config get c volatile.idmap.current)" = "$(lxc config get c volatile.idmap.next)" ] && [ "$(lxc config get c volatile.last_state.idmap)" = "$(lxc config get c volatile.idmap.current)" ]'
lxc stop -f c >/dev/null 2>&1

# Changed on the stopped container: a range, and the old entry gone.
expect change-raw lxc config set c raw.idmap "$(printf 'uid 1000-1001 1000-1001\ngid 1000 1000')"
expect changed-start bash -c 'lxc start c && [ "$(lxc exec c -- stat -c %u:%g /mnt/share/g)" = 1001:65534 ] && [ "$(lxc exec c -- stat -c %u /mnt/share/f)" = 1000 ]'
lxc stop -f c >/dev/null 2>&1
expect unset-raw bash -c 'lxc config unset c raw.idmap && lxc start c && [ "$(lxc exec c -- stat -c %u /mnt/share/f)" = 65534 ] && [ "$(lxc exec c -- stat -c %u /root/mine)" = 1000 ] &&
  [ "$(stat -c %u "$LXD_DIR/storage-pools/default/containers/c/rootfs/root/mine")" = $((ubase + 1000)) ]'
lxc stop -f c >/dev/null 2>&1

# Bad values: 400 naming the problem, the config unchanged.
lxc config set c raw.idmap "both 1000 1000"
before=$(lxc config show c)
export before
refused() { # refused VALUE WORDS: a PATCH with raw.idmap VALUE is a 400 whose message holds WORDS
  local body
  body=$(python3 -c 'import json,sys; print(json.dumps({"config": {"raw.idmap": sys.argv[1]}}))' "$1")
  local out
  out=$(api PATCH /1.0/instances/c "$body")
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(not (d["error_code"] == 400 and sys.argv[2] in d["error"]))' "$out" "$2" || { echo "$out"; return 1; }
  [ "$(lxc config show c)" = "$before" ]
}
export -f refused
expect bad-kind refused "user 1000 1000" 'line 1 ("user 1000 1000")'
expect bad-size refused "$(printf 'both 1000 1000\nuid 1000-1002 500-501')" "line 2"
expect bad-words refused "both 1000" "line 1"
expect bad-number refused "uid 10x 10" "line 1"
expect bad-reversed refused "uid 20-10 20-10" "line 1"
expect bad-overlap refused "$(printf 'uid 1000 1000\nboth 2000 1000')" "line 2"
expect bad-host-in-range bash -c 'lxc config set c raw.idmap "uid $((ubase + 5)) 70000" && ! lxc start c 2>"$WORK/err" && grep -q "own range" "$WORK/err" && [ "$(lxc list c -c s --format csv)" = STOPPED ]; lxc config set c raw.idmap "both 1000 1000"'

# A privileged container ignores it: its ids are the host's.
expect privileged-ignores bash -c 'lxc init bb p -c security.privileged=true -c raw.idmap="both 1000 1000" && lxc config device add p share disk source="$WORK/share" path=/mnt/share >/dev/null &&
  lxc start p && [ "$(lxc exec p -- stat -c %u /mnt/share/g)" = 1001 ] && lxc delete -f p'

# Isolated with raw.idmap: the container's own range split around the entry.
expect isolated-raw bash -c 'lxc init bb iso -c security.idmap.isolated=true -c raw.idmap="both 1000 1000" && lxc config device add iso share disk source="$WORK/share" path=/mnt/share >/dev/null &&
  lxc start iso && [ "$(lxc exec iso -- stat -c %u /mnt/share/f)" = 1000 ] && [ "$(lxc config get iso volatile.idmap.base)" = $((ubase + 65536)) ] &&
  lxc restart -f iso && [ "$(lxc config get iso volatile.idmap.base)" = $((ubase + 65536)) ] && lxc delete -f iso'

# security.idmap.size: an isolated container's own range of that many ids (extension id_map).
expect isolated-size bash -c 'lxc init bb sz -c security.idmap.isolated=true -c security.idmap.size=200000 && lxc start sz &&
  lxc config get sz volatile.idmap.current | python3 -c "
import json, sys
m = json.load(sys.stdin)
assert m and all(e[\"Maprange\"] == 200000 for e in m), m" && lxc exec sz -- true && lxc delete -f sz'
expect extension-advertised bash -c 'lxc query /1.0 | grep -q "\"id_map\""'

expect cleanup bash -c 'lxc delete -f c && lxc image delete bb'
lxc profile device remove default root >/dev/null 2>&1
lxc storage delete default >/dev/null 2>&1
