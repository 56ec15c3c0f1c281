#!/bin/bash
# Reliability battery, family I: hostile image and backup tarballs.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
canary=$(mktemp -d /tmp/lxdp-canary.XXXXXX)
trap 'rm -rf "$canary"; finish' EXIT
echo secret >"$canary/secret"
mkdir "$WORK/bad"
python3 "$here/make_bad_tarballs.py" "$WORK/bad" "$canary"
upload() { # upload FILE [backup]: POST as an image (or as a backup) and wait; prints the final outcome
  local url=/1.0/images type=application/octet-stream
  [[ ${2:-} == backup ]] && url=/1.0/instances
  local reply op
  reply=$(curl -s --max-time 60 --unix-socket "$LXD_DIR/unix.socket" -X POST -H "Content-Type: $type" --data-binary @"$1" "http://lxd$url")
  op=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("operation",""))' "$reply" 2>/dev/null)
  [[ -n $op ]] && reply=$(curl -s --max-time 60 --unix-socket "$LXD_DIR/unix.socket" "http://lxd$op/wait?timeout=50")
  echo "$reply"
}
refused() { # the upload ended in an error (sync 4xx or a failed operation)
  upload "$@" | python3 -c 'import json,sys; r=json.load(sys.stdin); m=r.get("metadata") or {}; sys.exit(0 if r.get("type")=="error" or m.get("status")=="Failure" else 1)'
}
canary_intact() { [ "$(ls "$canary")" = secret ] && [ "$(cat "$canary/secret")" = secret ]; }
# An image the import accepts must still be harmless: an instance made from it either fails or
# stays inside its rootfs, and the canary dir is untouched. Cleans up what it made.
image_harmless() {
  refused "$1" && return 0
  local fp
  fp=$(sha256sum "$1" | cut -d' ' -f1)
  lxc init "$fp" probe >/dev/null 2>&1
  lxc delete -f probe >/dev/null 2>&1
  lxc image delete "$fp" >/dev/null 2>&1
  canary_intact
}
# A backup the import accepts must have made nothing outside, and no snapshot with a path in its name.
backup_harmless() {
  refused "$1" backup && return 0
  local name
  name=$(lxc list --format csv -c n | head -1)
  [ -n "$name" ] || return 1
  local snaps
  snaps=$(lxc query "/1.0/instances/$name/snapshots")
  lxc delete -f "$name" >/dev/null 2>&1
  canary_intact && ! grep -q '\.\./' <<<"$snaps"
}
export -f upload refused canary_intact image_harmless backup_harmless
export canary
images_before=$(lxc image list --format csv | wc -l)

for f in "$WORK"/bad/I-[1267]-*.tar; do
  row=$(basename "$f" .tar)
  expect "${row:0:3} image ${row:4} refused or harmless" image_harmless "$f"
done
for f in "$WORK"/bad/I-[45]-*.tar.gz; do
  row=$(basename "$f" .tar.gz)
  expect "${row:0:3} backup ${row:4} refused or harmless" backup_harmless "$f"
done
expect "I-1 canary dir unchanged" canary_intact
expect "I-1 no image left" bash -c "[ \$(lxc image list --format csv | wc -l) = $images_before ]"
expect "I-4 no instance or volume left" bash -c "[ -z \"\$(lxc list --format csv -c n)\" ] && [ -z \"\$(ls '$LXD_DIR/storage-pools/default/containers')\" ]"
expect "I-7 no upload left behind" bash -c "! ls '$LXD_DIR/images' | grep -q '^upload-'"
# I-8: backups whose instance or snapshot config breaks a restricted project's rules.
lxc project create rp -c restricted=true -c features.images=false -c features.profiles=false >/dev/null
lxc init bb priv -c security.privileged=true >/dev/null 2>&1
lxc init bb snappriv -c security.privileged=true >/dev/null 2>&1
lxc snapshot snappriv s0 >/dev/null 2>&1 && lxc config unset snappriv security.privileged
lxc init bb rawlxc -c raw.lxc="lxc.mount.entry=/ host none bind" >/dev/null 2>&1
lxc init bb diskroot >/dev/null 2>&1 && lxc config device add diskroot h disk source=/ path=/mnt/h >/dev/null
for c in priv snappriv rawlxc diskroot; do
  lxc export "$c" "$WORK/i8-$c.tar.gz" >/dev/null 2>&1
  expect "I-8 backup of $c refused in a restricted project" bash -c "! lxc import '$WORK/i8-$c.tar.gz' --project rp >/dev/null 2>&1"
  lxc delete -f "$c" >/dev/null 2>&1
done
expect "I-8 nothing imported" bash -c "[ -z \"\$(lxc list --project rp -f csv)\" ] && ! ls '$LXD_DIR/storage-pools/default/containers' | grep -q '^rp_'"
lxc project delete rp >/dev/null 2>&1
expect "daemon still serves" bash -c "[ \$(status_of GET /1.0) = 200 ]"
# I-3: an image whose rootfs holds a setuid-root sh and device nodes (dev/sda block 8:0, dev/mem
# char 1:1, dev/kmsg char 1:11), the same nodes under root/ too (liblxc's autodev hides the
# image's dev/ in a running container, so those probe the devices cgroup).
python3 - "$WORK/bb.tar.gz" "$WORK/i3.tar.gz" <<'PY'
import io, sys, tarfile
src, dst = sys.argv[1:3]
with tarfile.open(src) as tin, tarfile.open(dst, "w:gz") as tout:
    busybox = None
    for m in tin.getmembers():
        data = tin.extractfile(m).read() if m.isfile() else None
        if m.name.lstrip("./") == "rootfs/bin/busybox":
            busybox = data
        tout.addfile(m, io.BytesIO(data) if data is not None else None)
    sh = tarfile.TarInfo("rootfs/bin/sush")
    sh.mode, sh.uid, sh.gid, sh.size = 0o4755, 0, 0, len(busybox)
    tout.addfile(sh, io.BytesIO(busybox))
    for d in ("dev", "root"):
        for name, kind, major, minor in (("sda", tarfile.BLKTYPE, 8, 0), ("mem", tarfile.CHRTYPE, 1, 1),
                                         ("kmsg", tarfile.CHRTYPE, 1, 11)):
            n = tarfile.TarInfo("rootfs/%s/%s" % (d, name))
            n.type, n.devmajor, n.devminor, n.mode = kind, major, minor, 0o666
            tout.addfile(n)
PY
lxc image import "$WORK/i3.tar.gz" --alias i3img >/dev/null
lxc launch i3img i3 >/dev/null
i3vol=$LXD_DIR/storage-pools/default/containers/i3
base=$(lxc config get i3 volatile.idmap.base)
export i3vol base
expect "I-3 the container is unprivileged (idmap base $base)" bash -c "[ '$base' -gt 0 ]"
expect "I-3 setuid sh and nodes shifted to the container's root on the host" bash -c "
  [ \"\$(stat -c %u:%g:%a '$i3vol/rootfs/bin/sush')\" = $base:$base:4755 ] &&
  for f in dev/sda dev/mem dev/kmsg root/sda root/mem root/kmsg; do [ \"\$(stat -c %u:%g '$i3vol/rootfs/'\$f)\" = $base:$base ] || exit 1; done"
expect "I-3 inside, sush is root's and keeps its setuid bit" bash -c "[ \"\$(lxc exec i3 -- stat -c %u:%a /bin/sush)\" = 0:4755 ]"
for node in /dev/sda /dev/mem /dev/kmsg /root/sda /root/mem /root/kmsg; do
  # A read open only: a write open would create a file where autodev's /dev lacks the node.
  expect "I-3 inside, opening $node fails" bash -c "! lxc exec i3 -- sh -c 'exec 3<$node' 2>/dev/null"
done
# Opening kmsg for reading needs syslog rights and mem needs CAP_SYS_RAWIO, whatever the devices
# cgroup says; opening kmsg for writing needs neither: only the devices cgroup refuses it.
expect "I-3 inside, /root/kmsg does not open for writing either (devices cgroup)" bash -c "! lxc exec i3 -- sh -c 'exec 3>/root/kmsg' 2>/dev/null"
expect "I-3 containers dir 0711, the instance's directory 0100 and the container root's" bash -c "
  [ \$(stat -c %a '$LXD_DIR/storage-pools/default/containers') = 711 ] && [ \$(stat -c %a '$LXD_DIR/containers') = 711 ] &&
  [ \"\$(stat -c %a:%u '$i3vol')\" = 100:$base ]"
# A host user (uid 1000) reaches neither the rootfs nor the setuid sh, by either path.
for path in "$LXD_DIR/containers/i3/rootfs" "$i3vol/rootfs" "$i3vol/rootfs/bin/sush"; do
  expect "I-3 uid 1000 cannot reach ${path#$LXD_DIR/}" bash -c "! setpriv --reuid 1000 --regid 1000 --clear-groups stat '$path' 2>/dev/null"
done
lxc stop -f i3 >/dev/null
expect "I-3 stopped: still 0100" bash -c "[ \$(stat -c %a '$i3vol') = 100 ] && ! setpriv --reuid 1000 --regid 1000 --clear-groups stat '$i3vol/rootfs' 2>/dev/null"
lxc delete -f i3 >/dev/null; lxc image delete i3img >/dev/null
# I-7, squashfs: the rootfs of a split image (lxc image import META ROOTFS) whose superblock's
# size field claims 2^63 bytes, one cut in half, one with a wrong magic, an empty one: each
# refused within the time limit (the superblock is checked before unsquashfs ever reads it), nothing left.
mkdir "$WORK/i7" && tar -C "$WORK/i7" -xzf "$WORK/bb.tar.gz"
tar -C "$WORK/i7" -cJf "$WORK/i7-meta.tar.xz" metadata.yaml templates
mksquashfs "$WORK/i7/rootfs" "$WORK/i7.squashfs" -noappend -no-progress >/dev/null
python3 - "$WORK/i7.squashfs" "$WORK/i7" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
huge = bytearray(data)
struct.pack_into("<Q", huge, 40, 1 << 63)  # bytes_used
variants = {"huge": huge, "truncated": data[:len(data) // 2], "magic": b"hsqX" + data[4:], "empty": b""}
for name, content in variants.items():
    open(f"{sys.argv[2]}-{name}.squashfs", "wb").write(content)
PY
images_before_i7=$(lxc image list --format csv | wc -l)
for kind in huge truncated magic empty; do
  expect "I-7 squashfs rootfs ($kind) refused within 60 s" bash -c "timeout 60 bash -c \"upload_split '$WORK/i7-meta.tar.xz' '$WORK/i7-$kind.squashfs'\" | is_refusal"
done
expect "I-7 squashfs: no image and no upload left" bash -c "[ \$(lxc image list --format csv | wc -l) = $images_before_i7 ] && ! ls '$LXD_DIR/images' | grep -q '^upload-'"

# I-9: a hostile image server (tests/integration/fake_image_server.py over HTTPS). An image URL
# whose LXD-Image-Hash is a path, or a hash the content does not match, and an LXD server whose
# image does not match its fingerprint: all refused, nothing stored in or out of images/.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
  -keyout "$WORK/fake.key" -out "$WORK/fake.crt" 2>/dev/null
mkdir -p "$WORK/fake/root"
cp "$WORK/bb.tar.gz" "$WORK/fake/root/image.tar.gz"
wrongfp=$(echo not-the-image | sha256sum | cut -d' ' -f1)
cat >"$WORK/fake/routes.json" <<JSON
{"/traversal": {"headers": {"LXD-Image-Hash": "../../../x", "LXD-Image-URL": "https://127.0.0.1:{PORT}/image.tar.gz"}},
 "/mismatch": {"headers": {"LXD-Image-Hash": "$wrongfp", "LXD-Image-URL": "https://127.0.0.1:{PORT}/image.tar.gz"}},
 "/1.0/images/aliases/evil": {"body": "{\"type\":\"sync\",\"metadata\":{\"name\":\"evil\",\"target\":\"$wrongfp\"}}"},
 "/1.0/images/$wrongfp": {"body": "{\"type\":\"sync\",\"metadata\":{\"fingerprint\":\"$wrongfp\",\"public\":true}}"},
 "/1.0/images/$wrongfp/export": {"file": "image.tar.gz"},
 "/1.0/images/aliases/dots": {"body": "{\"type\":\"sync\",\"metadata\":{\"name\":\"dots\",\"target\":\"../../../x\"}}"}}
JSON
python3 "$here/fake_image_server.py" "$WORK/fake/port" "$WORK/fake.crt" "$WORK/fake.key" "$WORK/fake/root" "$WORK/fake/routes.json" &
fake_pid=$!
trap 'kill $fake_pid 2>/dev/null; wait $fake_pid 2>/dev/null; rm -rf "$canary"; finish' EXIT
for _ in $(seq 50); do [[ -s $WORK/fake/port ]] && break; sleep 0.1; done
fake=https://127.0.0.1:$(cat "$WORK/fake/port")
cert=$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$WORK/fake.crt")
pull() { # pull SOURCE-JSON [instance]: POST /1.0/images (or an instance) from an image server; succeeds when refused
  local reply op
  if [[ ${2:-} == instance ]]; then reply=$(api POST /1.0/instances "{\"name\":\"i9\",\"source\":$1}")
  else reply=$(api POST /1.0/images "{\"source\":$1}"); fi
  op=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("operation",""))' "$reply" 2>/dev/null)
  [[ -n $op ]] && reply=$(api GET "$op/wait?timeout=50")
  echo "$reply" >"$WORK/pull.out"
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); m=r.get("metadata") or {}; sys.exit(0 if r.get("type")=="error" or m.get("status")=="Failure" else 1)' "$reply"
}
nothing_stored() {
  [ "$(lxc image list --format csv | wc -l)" = "$images_before" ] && ! ls "$LXD_DIR/images" | grep -qv '^[0-9a-f]\{64\}$' &&
    [ ! -e "$LXD_DIR/x" ] && [ ! -e "$WORK/x" ] && [ ! -e "$LXD_DIR/images/x" ] && canary_intact
}
export -f pull nothing_stored
export fake cert images_before WORK
expect "I-9 LXD-Image-Hash ../../../x refused" bash -c "pull '{\"type\":\"url\",\"url\":\"'\$fake'/traversal\",\"certificate\":'\"\$cert\"'}' && grep -q 'LXD-Image-Hash' $WORK/pull.out"
expect "I-9 traversal hash: the image was not even fetched" bash -c "! grep -q 'GET /image.tar.gz' '$WORK/fake/requests.log'"
expect "I-9 LXD-Image-Hash not matching the content refused" bash -c "pull '{\"type\":\"url\",\"url\":\"'\$fake'/mismatch\",\"certificate\":'\"\$cert\"'}' && grep -q \"doesn't match\" $WORK/pull.out"
expect "I-9 LXD server image not matching its fingerprint refused" bash -c "pull '{\"type\":\"image\",\"mode\":\"pull\",\"protocol\":\"lxd\",\"server\":\"'\$fake'\",\"alias\":\"evil\",\"certificate\":'\"\$cert\"'}' && grep -q \"doesn't match\" $WORK/pull.out"
expect "I-9 LXD server alias target ../../../x refused" bash -c "pull '{\"type\":\"image\",\"mode\":\"pull\",\"protocol\":\"lxd\",\"server\":\"'\$fake'\",\"alias\":\"dots\",\"certificate\":'\"\$cert\"'}'"
expect "I-9 launch from the mismatching server refused, no instance" bash -c "pull '{\"type\":\"image\",\"mode\":\"pull\",\"protocol\":\"lxd\",\"server\":\"'\$fake'\",\"alias\":\"evil\",\"certificate\":'\"\$cert\"'}' instance && ! lxc info i9 >/dev/null 2>&1"
expect "I-9 nothing stored, nothing written outside images/" nothing_stored
