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
echo "I-3 skip: setuid and device nodes in a rootfs (needs a uid-1000 host user and a devices cgroup probe) not written yet"
echo "I-7 skip: the squashfs size field row: squashfs images are not supported (refused as not a tarball)"
echo "I-9 skip: remote image servers (LXD-Image-Hash) are not implemented"
