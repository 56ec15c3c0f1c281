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
