#!/bin/bash
# Project features (spec 3.2.6) with the real client, as upstream 5.0.2: a project without
# features.storage.volumes, features.profiles or features.images works on the default project's
# custom volumes (list, create, snapshot, set, rename, delete, and the volume disks of its
# instances), profiles and images; a project with them keeps its own; a feature of a project that
# holds anything (instances, custom volumes) cannot be switched, an empty project's can.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
pool=$LXD_DIR/storage-pools/default
export pool
refused() { # refused PATTERN CMD... : CMD fails and its error names PATTERN
  local pattern=$1; shift
  ! "$@" >"$WORK/refused.out" 2>&1 && grep -q -- "$pattern" "$WORK/refused.out" || { cat "$WORK/refused.out"; return 1; }
}
customs() { lxc storage volume list default --project "$1" --format csv | awk -F, '$1 == "custom" {print $2}' | sort | tr '\n' ' '; }
export -f refused customs

lxc project create shared -c features.storage.volumes=false -c features.profiles=false -c features.images=false >/dev/null
lxc project create own >/dev/null

# ---- custom volumes: the default project's ----
expect shared-volume-create lxc storage volume create default v1 --project shared
expect shared-volume-in-default bash -c "lxc storage volume show default v1 | grep -q '^project: default' && [ -d '$pool/custom/default_v1' ] && [ ! -e '$pool/custom/shared_v1' ]"
lxc storage volume create default dv >/dev/null
lxc storage volume create default ov --project own >/dev/null
expect shared-lists-default-volumes bash -c '[ "$(customs shared)" = "dv v1 " ] && [ "$(customs default)" = "dv v1 " ]'
expect own-lists-its-own bash -c "[ \"\$(customs own)\" = 'ov ' ] && [ -d '$pool/custom/own_ov' ] && ! lxc storage volume show default ov"
expect shared-volume-get-404-for-own bash -c "! lxc storage volume show default ov --project shared"
expect shared-volume-set bash -c "lxc storage volume set default v1 user.k=v --project shared && [ \"\$(lxc storage volume get default v1 user.k)\" = v ]"
expect shared-volume-snapshot bash -c "lxc storage volume snapshot default v1 s1 --project shared && lxc storage volume show default v1/s1 >/dev/null &&
  lxc query '/1.0/storage-pools/default/volumes/custom/v1/snapshots?project=shared' | grep -q 'v1/snapshots/s1'"
expect shared-volume-rename bash -c "lxc storage volume rename default dv dv2 --project shared && lxc storage volume show default dv2 >/dev/null && [ -d '$pool/custom/default_dv2' ]"
expect shared-volume-copy bash -c "lxc storage volume copy default/v1 default/v1c --project shared && lxc storage volume show default v1c >/dev/null"
expect shared-volume-delete bash -c "lxc storage volume delete default v1c --project shared && ! lxc storage volume show default v1c && [ ! -e '$pool/custom/default_v1c' ]"
expect shared-list-urls bash -c "lxc query '/1.0/storage-pools/default/volumes?project=own' | grep -q '/volumes/custom/ov?project=own' && lxc query '/1.0/storage-pools/default/volumes?project=shared' | grep -q '/volumes/custom/v1\"'"

# ---- volume disks of the instances of such a project ----
expect shared-instance lxc init bb c1 --project shared
expect shared-attach lxc storage volume attach default v1 c1 /mnt/v --project shared
expect shared-used-by bash -c "lxc storage volume show default v1 | grep -q '/1.0/instances/c1?project=shared' && lxc storage volume show default v1 --project shared | grep -q 'c1?project=shared'"
expect shared-in-use-delete-refused bash -c "refused 'in use' lxc storage volume delete default v1 && lxc storage volume show default v1 >/dev/null"
expect shared-own-volume-attach-refused bash -c "refused 'not found' lxc config device add c1 o disk pool=default source=ov path=/mnt/o --project shared"
expect shared-start lxc start c1 --project shared
expect shared-volume-mounted bash -c "lxc exec c1 --project shared -- sh -c 'echo hi > /mnt/v/f' && [ \"\$(cat '$pool/custom/default_v1/f')\" = hi ]"
expect shared-stop lxc stop -f c1 --project shared

# ---- profiles and images: the default project's ----
expect shared-profile-create bash -c "lxc profile create sp --project shared >/dev/null && lxc profile show sp >/dev/null && lxc profile list --project shared --format csv | grep -q '^sp,'"
expect shared-images bash -c "lxc image list --project shared --format csv | grep -q '^bb,' && ! lxc image list --project own --format csv | grep -q '^bb,'"
expect own-profiles-own bash -c "! lxc profile show sp --project own && lxc profile show default --project own | grep -q 'project own'"
lxc image import "$WORK/bb.tar.gz" --project own --alias bb >/dev/null 2>&1
expect own-instance-own-volume bash -c "lxc init bb c2 --project own -s default >/dev/null && lxc storage volume attach default ov c2 /mnt/o --project own &&
  refused 'not found' lxc config device add c2 d disk pool=default source=dv2 path=/mnt/d --project own"

# ---- switching features ----
expect enable-on-nonempty-refused bash -c "refused 'Project feature \"features.storage.volumes\" cannot be enabled on non-empty projects' lxc project set shared features.storage.volumes=true &&
  [ \"\$(lxc project get shared features.storage.volumes)\" = false ]"
expect disable-with-instance-refused bash -c "refused 'cannot be disabled on non-empty projects' lxc project set own features.images=false"
lxc delete -f c2 --project own >/dev/null
lxc image delete bb --project own >/dev/null
expect project-used-by-volume bash -c "lxc project show own | grep -q '/1.0/storage-pools/default/volumes/custom/ov?project=own'"
expect disable-with-volume-refused bash -c "refused 'Project feature \"features.storage.volumes\" cannot be disabled on non-empty projects' lxc project set own features.storage.volumes=false &&
  [ \"\$(lxc project get own features.storage.volumes)\" = true ]"
expect delete-with-volume-refused bash -c "refused 'empty' lxc project delete own && lxc storage volume show default ov --project own >/dev/null"
lxc storage volume delete default ov --project own >/dev/null
expect empty-switch-volumes lxc project set own features.storage.volumes=false
expect empty-switch-then-default-volumes bash -c '[ "$(customs own)" = "dv2 v1 " ]'
expect empty-switch-profiles bash -c "lxc project set own features.profiles=false && lxc profile show sp --project own >/dev/null &&
  lxc project set own features.profiles=true && lxc profile show default --project own | grep -q 'project own' && ! lxc profile show sp --project own"
expect default-features-fixed bash -c "refused \"can't change the features of the default project\" lxc project set default features.images=false"

# ---- cleanup ----
lxc delete -f c1 --project shared >/dev/null
lxc profile delete sp >/dev/null
for v in v1 dv2; do lxc storage volume delete default "$v" >/dev/null; done
expect projects-delete bash -c "lxc project delete own && lxc project delete shared"
lxc image delete bb >/dev/null 2>&1
