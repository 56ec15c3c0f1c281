#!/bin/bash
# Backups (export/import) and publish of a real container through the lxc client and the REST
# API; refusals change nothing.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
pool=$LXD_DIR/storage-pools/default
lxc launch bb c1 >/dev/null 2>&1
lxc exec c1 -- sh -c 'echo one > /root/state'

# ---- backups API ----
expect backup-bad-compression-400 bash -c "[ \$(status_of POST /1.0/instances/c1/backups '{\"name\":\"b\",\"compression_algorithm\":\"gzip -9\"}') = 400 ]"
expect backup-slash-name-400 bash -c "[ \$(status_of POST /1.0/instances/c1/backups '{\"name\":\"a/b\"}') = 400 ]"
expect backup-missing-instance-404 bash -c "[ \$(status_of POST /1.0/instances/nope/backups '{}') = 404 ]"
expect refusals-made-no-backup bash -c "api GET /1.0/instances/c1/backups | grep -q '\"metadata\":\[\]'"
expect backup-create-xz lxc query --wait -X POST -d '{"name":"b1","compression_algorithm":"xz"}' /1.0/instances/c1/backups
expect backup-file-is-xz bash -c "file '$LXD_DIR/backups/instances/c1/b1' | grep -qi xz"
expect backup-dir-mode-0700 bash -c "[ \$(stat -c %a '$LXD_DIR/backups/instances/c1') = 700 ]"
expect backup-listed bash -c "api GET '/1.0/instances/c1/backups?recursion=1' | grep -q '\"name\":\"b1\"'"
expect backup-duplicate-409 bash -c "[ \$(status_of POST /1.0/instances/c1/backups '{\"name\":\"b1\"}') = 409 ]"
expect backup-rename lxc query --wait -X POST -d '{"name":"b2"}' /1.0/instances/c1/backups/b1
expect backup-renamed bash -c "api GET /1.0/instances/c1/backups/b2 | grep -q '\"name\":\"b2\"' && [ -f '$LXD_DIR/backups/instances/c1/b2' ]"
expect backup-layout bash -c "curl -s --unix-socket '$LXD_DIR/unix.socket' http://lxd/1.0/instances/c1/backups/b2/export | tar tJf - | grep -qx 'backup/container/rootfs/root/state'"
expect backup-index bash -c "curl -s --unix-socket '$LXD_DIR/unix.socket' http://lxd/1.0/instances/c1/backups/b2/export | tar xJOf - backup/index.yaml | grep -q '^backend: dir'"
expect backup-delete lxc query --wait -X DELETE /1.0/instances/c1/backups/b2
expect backup-deleted bash -c "[ ! -e '$LXD_DIR/backups/instances/c1/b2' ] && api GET /1.0/instances/c1/backups | grep -q '\"metadata\":\[\]'"
expect backup-yaml-current bash -c "lxc config set c1 user.note hello && grep -q 'user.note: hello' '$pool/containers/c1/backup.yaml'"

# ---- export, delete, import, start ----
expect export lxc export c1 "$WORK/c1.tar.gz"
expect export-left-no-backup bash -c "api GET /1.0/instances/c1/backups | grep -q '\"metadata\":\[\]'"
expect import-conflict-refused bash -c "! lxc import '$WORK/c1.tar.gz' 2>&1"
expect delete lxc delete -f c1
expect delete-removed-backups-dir test ! -e "$LXD_DIR/backups/instances/c1"
expect import lxc import "$WORK/c1.tar.gz"
expect import-start lxc start c1
expect import-content bash -c "[ \"\$(lxc exec c1 -- cat /root/state)\" = one ]"
expect import-config bash -c "lxc config get c1 user.note | grep -qx hello"
expect import-owner-in-container bash -c "[ \"\$(lxc exec c1 -- stat -c %u:%g /root/state)\" = 0:0 ]"

# ---- snapshots in backups ----
# Two snapshots with different content, one with a description and an expiry.
state() { lxc exec "$1" -- cat /root/state; }
import_result() { # import_result TARBALL: the backup import's operation, as "STATUS_CODE ERR"
  local op
  op=$(curl -s --unix-socket "$LXD_DIR/unix.socket" -X POST -H 'Content-Type: application/octet-stream' \
    --data-binary @"$1" http://lxd/1.0/instances | python3 -c 'import sys,json; print(json.load(sys.stdin)["operation"])')
  api GET "$op/wait" | python3 -c 'import sys,json; m=json.load(sys.stdin)["metadata"]; print(m["status_code"], m["err"])'
}
export -f state import_result
lxc exec c1 -- sh -c 'echo snap-a > /root/state' && lxc snapshot c1 sa >/dev/null 2>&1
lxc exec c1 -- sh -c 'echo snap-b > /root/state' && lxc snapshot c1 sb >/dev/null 2>&1
lxc query -X PATCH -d '{"description":"second","expires_at":"2099-01-02T03:04:05Z"}' /1.0/instances/c1/snapshots/sb >/dev/null
lxc exec c1 -- sh -c 'echo one > /root/state'
expect snapshots-in-backup-yaml python3 -c "import yaml; b=yaml.safe_load(open('$pool/containers/c1/backup.yaml')); assert [(s['name'], s['description']) for s in b['snapshots']]==[('sa',''),('sb','second')], b['snapshots']"
expect export-with-snapshots lxc export c1 "$WORK/snaps.tar.gz"
expect export-snapshot-members bash -c "tar tzf '$WORK/snaps.tar.gz' | grep -qx 'backup/snapshots/sa/rootfs/root/state' && tar tzf '$WORK/snaps.tar.gz' | grep -qx 'backup/snapshots/sb/rootfs/root/state'"
expect export-snapshot-content bash -c "[ \"\$(tar xzOf '$WORK/snaps.tar.gz' backup/snapshots/sa/rootfs/root/state)\" = snap-a ]"
expect export-index-lists-snapshots bash -c "tar xzOf '$WORK/snaps.tar.gz' backup/index.yaml | python3 -c 'import sys,yaml; i=yaml.safe_load(sys.stdin); assert i[\"snapshots\"]==[\"sa\",\"sb\"], i[\"snapshots\"]; assert [s[\"name\"] for s in i[\"config\"][\"snapshots\"]]==[\"sa\",\"sb\"]; assert [s[\"name\"] for s in i[\"config\"][\"volume_snapshots\"]]==[\"sa\",\"sb\"]; assert [p[\"name\"] for p in i[\"config\"][\"profiles\"]]==[\"default\"]'"
expect export-instance-only lxc export c1 "$WORK/only.tar.gz" --instance-only
expect instance-only-has-no-snapshots bash -c "! tar tzf '$WORK/only.tar.gz' | grep -q '^backup/snapshots' && tar xzOf '$WORK/only.tar.gz' backup/index.yaml | python3 -c 'import sys,yaml; i=yaml.safe_load(sys.stdin); assert not i.get(\"snapshots\"); assert not i[\"config\"][\"snapshots\"]'"
lxc delete -f c1 >/dev/null 2>&1
expect import-with-snapshots lxc import "$WORK/snaps.tar.gz"
expect imported-snapshots-listed bash -c "[ \"\$(lxc query /1.0/instances/c1/snapshots | python3 -c 'import sys,json; print(\" \".join(sorted(u.rsplit(\"/\",1)[1] for u in json.load(sys.stdin))))')\" = 'sa sb' ]"
expect imported-snapshot-fields bash -c "lxc query /1.0/instances/c1/snapshots/sb | python3 -c 'import sys,json; s=json.load(sys.stdin); assert s[\"description\"]==\"second\" and s[\"expires_at\"].startswith(\"2099-01-02T03:04:05\"), s'"
expect imported-snapshot-volumes bash -c "[ -d '$pool/containers-snapshots/c1/sa/rootfs' ] && [ -d '$pool/containers-snapshots/c1/sb/rootfs' ]"
expect imported-start lxc start c1
expect imported-current-content bash -c "[ \"\$(state c1)\" = one ]"
expect restore-imported-snapshot lxc restore c1 sa
expect restored-snapshot-content bash -c "[ \"\$(state c1)\" = snap-a ]"
expect restore-second-snapshot lxc restore c1 sb
expect restored-second-content bash -c "[ \"\$(state c1)\" = snap-b ]"
lxc delete -f c1 >/dev/null 2>&1
expect import-instance-only lxc import "$WORK/only.tar.gz"
expect instance-only-imported-without-snapshots bash -c "lxc query /1.0/instances/c1/snapshots | grep -qx '\[\]' && [ ! -e '$pool/containers-snapshots/c1' ] || [ -z \"\$(ls -A '$pool/containers-snapshots/c1' 2>/dev/null)\" ]"
lxc delete -f c1 >/dev/null 2>&1
# A snapshot the index lists whose data is missing: 400, and neither records nor volumes stay.
mkdir -p "$WORK/cut" && tar xzf "$WORK/snaps.tar.gz" -C "$WORK/cut" && rm -rf "$WORK/cut/backup/snapshots/sb"
tar czf "$WORK/cut.tar.gz" -C "$WORK/cut" backup && rm -rf "$WORK/cut"
expect corrupt-snapshot-import-400 bash -c "import_result '$WORK/cut.tar.gz' | grep -q '^400 .*backup/snapshots/sb'"
expect corrupt-snapshot-left-nothing bash -c "! lxc info c1 >/dev/null 2>&1 && [ ! -e '$pool/containers/c1' ] && [ -z \"\$(ls -A '$pool/containers-snapshots' 2>/dev/null)\" ] && [ -z \"\$('$DAEMON' sql global 'SELECT name FROM instance_snapshots' | grep -E 'sa|sb')\" ]"
# A snapshot name that is no name: refused before anything is made.
mkdir -p "$WORK/bad" && tar xzf "$WORK/snaps.tar.gz" -C "$WORK/bad"
sed -i 's/^\( *\)- sb$/\1- "s\/b"/' "$WORK/bad/backup/index.yaml" && tar czf "$WORK/badname.tar.gz" -C "$WORK/bad" backup && rm -rf "$WORK/bad"
mkdir -p "$WORK/opt" && tar xzf "$WORK/snaps.tar.gz" -C "$WORK/opt"
sed -i 's/^optimized: false$/optimized: true/' "$WORK/opt/backup/index.yaml" && tar czf "$WORK/optimized.tar.gz" -C "$WORK/opt" backup && rm -rf "$WORK/opt"
expect optimized-backup-refused bash -c "import_result '$WORK/optimized.tar.gz' | grep -q '^400 Optimized backup of a \"dir\" pool cannot be imported' && ! lxc info c1 >/dev/null 2>&1"
expect bad-snapshot-name-refused bash -c "! lxc import '$WORK/badname.tar.gz' 2>/dev/null && ! lxc info c1 >/dev/null 2>&1"
lxc import "$WORK/c1.tar.gz" >/dev/null 2>&1 && lxc start c1

# A tarball that is not a backup: refused, nothing stays.
head -c 100000 /dev/urandom >"$WORK/garbage.tar.gz"
expect garbage-import-refused bash -c "! lxc import '$WORK/garbage.tar.gz' 2>/dev/null"
printf 'name: g2\npool: default\n' >"$WORK/index.yaml"
mkdir -p "$WORK/g/backup" && cp "$WORK/index.yaml" "$WORK/g/backup/"
tar czf "$WORK/noconfig.tar.gz" -C "$WORK/g" backup
expect noconfig-import-refused bash -c "! lxc import '$WORK/noconfig.tar.gz' 2>/dev/null"
expect refused-imports-left-nothing bash -c "! lxc info g2 >/dev/null 2>&1 && [ ! -e '$pool/containers/g2' ] && [ -z \"\$(ls '$LXD_DIR/images' | grep upload-)\" ]"

# ---- publish ----
expect publish-running-refused bash -c "! lxc query -X POST -d '{\"source\":{\"type\":\"instance\",\"name\":\"c1\"}}' --wait /1.0/images >/dev/null 2>&1"
# A snapshot publishes while its instance runs, with the snapshot's content.
lxc snapshot c1 s1 >/dev/null 2>&1
lxc exec c1 -- sh -c 'echo two > /root/state'
expect publish-snapshot-missing-404 bash -c "[ \$(status_of POST /1.0/images '{\"source\":{\"type\":\"snapshot\",\"name\":\"c1/nope\"}}') = 404 ]"
expect publish-snapshot-unnamed-400 bash -c "[ \$(status_of POST /1.0/images '{\"source\":{\"type\":\"snapshot\",\"name\":\"c1\"}}') = 400 ]"
expect publish-snapshot lxc publish c1/s1 --alias fromsnap
expect publish-snapshot-launch lxc launch fromsnap ps
expect publish-snapshot-content bash -c "[ \"\$(lxc exec ps -- cat /root/state)\" = one ] && [ \"\$(lxc exec ps -- stat -c %u:%g /bin/busybox)\" = 0:0 ]"
lxc delete -f ps >/dev/null 2>&1
lxc image delete fromsnap >/dev/null 2>&1
lxc delete c1/s1 >/dev/null 2>&1
lxc exec c1 -- sh -c 'echo one > /root/state'
expect publish lxc stop -f c1
expect publish-bzip2 bash -c "lxc query --wait -X POST -d '{\"source\":{\"type\":\"instance\",\"name\":\"c1\"},\"compression_algorithm\":\"bzip2\",\"properties\":{\"description\":\"pub\"},\"aliases\":[{\"name\":\"pub\"}]}' /1.0/images >/dev/null"
expect publish-image-os bash -c "lxc image show pub | grep -q '  os: '"
expect publish-image-bzip2 bash -c "file '$LXD_DIR/images/'\$(lxc image list pub -c F --format csv) | grep -qi bzip2"
expect publish-launch lxc launch pub p1
expect publish-container-ids bash -c "[ \"\$(lxc exec p1 -- stat -c %u:%g /bin/busybox)\" = 0:0 ]"
expect publish-content bash -c "[ \"\$(lxc exec p1 -- cat /root/state)\" = one ]"
lxc delete -f c1 p1 >/dev/null 2>&1
lxc image delete pub >/dev/null 2>&1
