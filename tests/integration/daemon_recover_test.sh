#!/bin/bash
# `lxd recover` with piped answers (battery row K-6): containers with snapshots and custom volumes
# on a dir pool and on a btrfs loop pool lose their rows (and the btrfs pool its record, across a
# restart of the daemon); recover rebuilds them and the containers start. A backup.yaml that is a
# symlink or names "../x" is refused with "path escapes" and nothing is imported; missing
# profiles are named. Then the database patch files: applied and removed at start, or refused
# with nothing changed.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
POOL=$LXD_DIR/storage-pools/default
sql() { "$DAEMON" sql global "$1" >/dev/null; }

btrfs=yes
if ! grep -qw btrfs /proc/filesystems || ! command -v mkfs.btrfs >/dev/null; then
  echo "skip: the btrfs half (kernel support and btrfs-progs are needed); the dir half runs"
  btrfs=
fi

lxc init bb c1 >/dev/null 2>&1 && lxc snapshot c1 s0 && lxc snapshot c1 s1
lxc config set c1 user.mark recovered
lxc storage volume create default v1 >/dev/null && lxc storage volume snapshot default v1 vs0 >/dev/null
lxc init bb c3 >/dev/null 2>&1
lxc init bb c4 >/dev/null 2>&1
names="'c1','c3','c4','v1'"
if [[ -n $btrfs ]]; then
  lxc storage create bp btrfs size=1GiB >/dev/null
  lxc init bb c2 -s bp >/dev/null 2>&1 && lxc snapshot c2 t0
  lxc storage volume create bp v2 >/dev/null
  names="$names,'c2','v2'"
fi
cp "$POOL/containers/c3/backup.yaml" "$WORK/c3.yaml"
cp "$POOL/containers/c4/backup.yaml" "$WORK/c4.yaml"

# The rows go (the btrfs pool's record too), and the daemon restarts without them, the btrfs
# pool unmounted.
sql "DELETE FROM instance_snapshots WHERE instance IN ($names)"
sql "DELETE FROM instances WHERE name IN ($names)"
sql "DELETE FROM storage_volume_snapshots WHERE volume IN ($names)"
sql "DELETE FROM storage_volumes WHERE name IN ($names)"
[[ -n $btrfs ]] && sql "DELETE FROM storage_pools WHERE name = 'bp'"
stop_daemon
# As after a reboot: the daemon leaves pools mounted when it stops, the recorded ones come back.
[[ -n $btrfs ]] && umount "$LXD_DIR/storage-pools/bp"
start_daemon
expect "K-6 rows are gone" bash -c "[ -z \"\$(lxc list --format csv -c n)\" ] && ! lxc storage volume show default v1"

# The answers: another pool (the btrfs one), its name, driver, source, no more config, no more
# pools, scan, recover.
answers() {
  if [[ -n $btrfs ]]; then printf 'yes\nbp\nbtrfs\n%s\n\nno\nyes\nyes\n' "$LXD_DIR/disks/bp.img"
  else printf 'no\nyes\nyes\n'; fi
}
recover() { answers | "$DAEMON" recover >"$WORK/recover.out" 2>&1; }
refused_with() { # refused_with PATTERN: recover fails and says PATTERN
  ! recover || { cat "$WORK/recover.out"; return 1; }
  grep -q -- "$1" "$WORK/recover.out" || { cat "$WORK/recover.out"; return 1; }
}
nothing_imported() { # says what was imported, if anything
  local listed; listed=$(lxc list --format csv -c n)
  [ -z "$listed" ] || { echo "instances: $listed"; return 1; }
  ! lxc storage volume show default v1 >/dev/null 2>&1 || { echo "volume v1"; return 1; }
  [[ -z $btrfs ]] && return 0
  ! lxc storage show bp >/dev/null 2>&1 || { echo "pool bp"; return 1; }
  ! findmnt -n "$LXD_DIR/storage-pools/bp" >/dev/null || { echo "bp mounted"; return 1; }
}

ln -sf /etc/hostname "$POOL/containers/c3/backup.yaml"
expect "K-6 symlinked backup.yaml refused with path escapes" refused_with 'backup.yaml is a symlink: path escapes'
expect "K-6 symlinked backup.yaml: nothing imported" nothing_imported
rm "$POOL/containers/c3/backup.yaml" && cp "$WORK/c3.yaml" "$POOL/containers/c3/backup.yaml"

sed 's|^  name: c4$|  name: ../x|' "$WORK/c4.yaml" >"$POOL/containers/c4/backup.yaml"
expect "K-6 backup.yaml naming ../x refused with path escapes" refused_with 'names instance "../x": path escapes'
expect "K-6 ../x: nothing imported" nothing_imported
cp "$WORK/c4.yaml" "$POOL/containers/c4/backup.yaml"

expect "K-6 recover with piped answers" bash -c "$(declare -f answers); btrfs=$btrfs; answers | '$DAEMON' recover >'$WORK/recover.out' 2>&1; s=\$?; cat '$WORK/recover.out'; [ \$s = 0 ]"
expect "K-6 unknown container listed with its snapshots" grep -q ' - Container "c1" on pool "default" in project "default" (includes 2 snapshots)' "$WORK/recover.out"
expect "K-6 unknown custom volume listed" grep -q ' - Volume "v1" on pool "default" in project "default" (includes 1 snapshots)' "$WORK/recover.out"
expect "K-6 instances back" bash -c "lxc list --format csv -c n | sort | tr '\n' ' ' | grep -q '^c1 ${btrfs:+c2 }c3 c4 \$'"
expect "K-6 config back" bash -c "[ \"\$(lxc config get c1 user.mark)\" = recovered ]"
expect "K-6 snapshots listed" bash -c "lxc info c1 | grep -q s0 && lxc info c1 | grep -q s1"
expect "K-6 custom volume and its snapshot back" bash -c "lxc storage volume show default v1 >/dev/null && api GET /1.0/storage-pools/default/volumes/custom/v1/snapshots | grep -q 'v1/snapshots/vs0'"
expect "K-6 recovered container starts" bash -c "lxc start c1 && lxc exec c1 -- true && lxc stop c1 --force"
expect "K-6 restore from a recovered snapshot" lxc restore c1 s0
if [[ -n $btrfs ]]; then
  expect "K-6 btrfs pool recorded from backup.yaml" bash -c "lxc storage get bp size | grep -q 1GiB && findmnt -n -o FSTYPE '$LXD_DIR/storage-pools/bp' | grep -qx btrfs"
  expect "K-6 btrfs container and snapshot back" bash -c "lxc info c2 | grep -q t0 && lxc start c2 && lxc exec c2 -- true && lxc stop c2 --force"
  expect "K-6 btrfs custom volume back" lxc storage volume show bp v2
fi
expect "K-6 second recover finds nothing" bash -c "printf 'no\nyes\n' | '$DAEMON' recover | grep -q 'No unknown volumes found. Nothing to do.'"

# Dependencies: an instance whose profile is gone is named, nothing is imported until it exists.
lxc profile create extra >/dev/null
lxc init bb c5 -p default -p extra >/dev/null 2>&1
sql "DELETE FROM instances WHERE name = 'c5'"
sql "DELETE FROM storage_volumes WHERE name = 'c5'"
lxc profile delete extra
expect "K-6 missing profile named" bash -c "! printf 'no\nyes\n' | '$DAEMON' recover >'$WORK/dep.out' 2>&1; cat '$WORK/dep.out'; grep -q ' - Profile \"extra\" in project \"default\"' '$WORK/dep.out' && grep -q 'Missing dependencies' '$WORK/dep.out'"
expect "K-6 import refused while a profile is missing" bash -c "api POST /internal/recover/import '{\"pools\":[{\"name\":\"default\"}]}' | grep 'Failed dependency check' | grep -q extra && ! lxc info c5 >/dev/null 2>&1"
lxc profile create extra >/dev/null
expect "K-6 recovered once the profile exists" bash -c "printf 'no\nyes\nyes\n' | '$DAEMON' recover >/dev/null && lxc config show c5 | grep -q extra"

# Another project: its instance and volume are stored as "rp_<name>"; a missing project is named.
lxc project create rp -c features.profiles=false -c features.images=false >/dev/null
lxc init bb c6 --project rp >/dev/null 2>&1 && lxc snapshot c6 r0 --project rp
lxc storage volume create default v6 --project rp >/dev/null
sql "DELETE FROM instance_snapshots WHERE instance = 'c6'"
sql "DELETE FROM instances WHERE name = 'c6'"
sql "DELETE FROM storage_volumes WHERE name IN ('c6', 'v6')"
lxc project delete rp >/dev/null
expect "K-6 missing project named" bash -c "! printf 'no\nyes\n' | '$DAEMON' recover >'$WORK/dep.out' 2>&1; cat '$WORK/dep.out'; grep -q ' - Project \"rp\"' '$WORK/dep.out'"
lxc project create rp -c features.profiles=false -c features.images=false >/dev/null
expect "K-6 recovered into its project" bash -c "printf 'no\nyes\nyes\n' | '$DAEMON' recover >/dev/null && lxc info c6 --project rp | grep -q r0 && lxc storage volume show default v6 --project rp >/dev/null"
lxc delete c6 --project rp >/dev/null
lxc storage volume delete default v6 --project rp >/dev/null
lxc project delete rp >/dev/null

# Bad requests: the envelope, and nothing changed.
expect "recover unknown pool without driver refused" bash -c "[ \$(status_of POST /internal/recover/validate '{\"pools\":[{\"name\":\"nope\"}]}') = 400 ]"
expect "recover without pools refused" bash -c "[ \$(status_of POST /internal/recover/validate '{}') = 400 ]"

for c in c1 c3 c4 c5 ${btrfs:+c2}; do lxc delete -f "$c" >/dev/null; done
lxc profile delete extra
lxc storage volume delete default v1
if [[ -n $btrfs ]]; then lxc storage volume delete bp v2; lxc storage delete bp; fi

# A storage plugin built for ABI 1.0 has no volume_list: recover says so.
abi10=$FIXTURES/../abi/plugins
if [[ -e $abi10/abi10-fixture.so ]]; then
  stop_daemon
  LXD_PLUGIN_PATH=$PLUGINS:$abi10 start_daemon
  lxc storage create old abi10fs >/dev/null
  expect "recover on an ABI 1.0 driver says it cannot list volumes" bash -c "! printf 'no\nyes\n' | '$DAEMON' recover >'$WORK/old.out' 2>&1; grep -q 'cannot list volumes' '$WORK/old.out'"
  lxc storage delete old
  stop_daemon
  start_daemon
else
  echo "skip: no ABI 1.0 fixture plugin at $abi10"
fi

# Patch files: applied in one transaction after the migrations, then removed.
stop_daemon
printf "UPDATE profiles SET description = 'a;b' WHERE name = 'default';\n-- a comment; with a semicolon\n" >"$LXD_DIR/database/patch.local.sql"
echo "UPDATE profiles SET config = '{\"user.patched\":\"yes\"}' WHERE name = 'default';" >"$LXD_DIR/database/patch.global.sql"
start_daemon
expect "patch.local.sql applied" bash -c "api GET /1.0/profiles/default | grep -q '\"description\":\"a;b\"'"
expect "patch.global.sql applied" bash -c "[ \"\$(lxc profile get default user.patched)\" = yes ]"
expect "patch files removed" bash -c "[ ! -e '$LXD_DIR/database/patch.local.sql' ] && [ ! -e '$LXD_DIR/database/patch.global.sql' ]"

# A failing patch stops the start with its name, and neither file changes anything.
stop_daemon
echo "UPDATE profiles SET description = 'local ran' WHERE name = 'default';" >"$LXD_DIR/database/patch.local.sql"
printf "UPDATE profiles SET description = 'global ran' WHERE name = 'default';\nUPDATE nosuchtable SET x = 1;\n" >"$LXD_DIR/database/patch.global.sql"
expect "bad patch refuses the start with a clear error" bash -c "! timeout 20 '$DAEMON' --group root >'$WORK/refused.out' 2>&1; grep -q 'Failed to apply .*patch.global.sql.*no such table: nosuchtable' '$WORK/refused.out'"
expect "bad patch: files kept" bash -c "[ -e '$LXD_DIR/database/patch.local.sql' ] && [ -e '$LXD_DIR/database/patch.global.sql' ]"
rm "$LXD_DIR/database/patch.local.sql" "$LXD_DIR/database/patch.global.sql"
start_daemon
expect "bad patch: database unchanged" bash -c "api GET /1.0/profiles/default | grep -q '\"description\":\"a;b\"'"
