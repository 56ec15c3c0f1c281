#!/bin/bash
# Project limits and restrictions (spec 3.2.6) with the real client: limits bound what the
# project's instances add up to, restricted projects refuse what their restricted.* keys block
# on every path (instance, profile, snapshot restore, volumes), and every refusal leaves nothing.
# Also: lxc list --all-projects, events filtered by project, and profile and instance changes
# reaching a running container's cgroup (read on the host side of the container's init).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
pool=$LXD_DIR/storage-pools/default
refused() { # refused PATTERN CMD... : CMD fails and its error names PATTERN
  local pattern=$1; shift
  ! "$@" >"$LXD_DIR/../refused.out" 2>&1 && grep -q -- "$pattern" "$LXD_DIR/../refused.out" ||
    { cat "$LXD_DIR/../refused.out"; return 1; }
}
export -f refused

# ---- limits ----
lxc project create p -c features.images=false >/dev/null
lxc profile device add default root disk path=/ pool=default --project p >/dev/null
lxc init bb c1 --project p -c limits.cpu=1 -c limits.memory=64MiB >/dev/null
expect limit-needs-key-on-every-instance refused '"limits.processes"' lxc project set p limits.processes=100
expect limit-below-usage-refused refused '"limits.memory" is too low' lxc project set p limits.memory=32MiB
expect limit-pinned-cpu-refused bash -c "lxc project set p limits.cpu=4 &&
  refused 'pinned' lxc config set c1 limits.cpu 0-1 --project p && [ \"\$(lxc config get c1 limits.cpu --project p)\" = 1 ]"
expect limits-set lxc project set p limits.memory=100MiB limits.containers=2
expect create-over-memory-refused bash -c "refused 'limits.memory' lxc init bb c2 --project p -c limits.cpu=1 -c limits.memory=64MiB &&
  [ \$(status_of GET '/1.0/instances/c2?project=p') = 404 ] && [ ! -e '$pool/containers/p_c2' ]"
expect create-within-limits lxc init bb c2 --project p -c limits.cpu=1 -c limits.memory=30MiB
expect create-over-count-refused bash -c "refused 'limits.containers' lxc init bb c3 --project p -c limits.cpu=1 -c limits.memory=1MiB &&
  [ \$(status_of GET '/1.0/instances/c3?project=p') = 404 ]"
expect update-over-memory-refused bash -c "refused 'limits.memory' lxc config set c1 limits.memory 80MiB --project p &&
  [ \"\$(lxc config get c1 limits.memory --project p)\" = 64MiB ]"
expect profile-over-memory-refused bash -c "lxc profile create big --project p >/dev/null && lxc profile set big limits.memory 30MiB --project p &&
  lxc profile add c2 big --project p >/dev/null && lxc config unset c2 limits.memory --project p &&
  refused 'limits.memory' lxc profile set big limits.memory 90MiB --project p && [ \"\$(lxc profile get big limits.memory --project p)\" = 30MiB ]"
expect disk-limit-needs-root-size refused '"size"' lxc project set p limits.disk=1GiB
expect count-below-usage-refused refused '"limits.containers" is too low' lxc project set p limits.containers=1
expect project-state-usage bash -c "api GET /1.0/projects/p/state | jq -e '.metadata.resources |
  .memory == {limit: 104857600, usage: 98566144} and .containers == {limit: 2, usage: 2} and .cpu == {limit: 4, usage: 2}
  and .disk.limit == -1 and .\"virtual-machines\".usage == 0'"
expect project-info-client bash -c "lxc project info p | grep -qi 'containers'"
# Images count in limits.disk of a project that keeps its own.
lxc project create q -c features.images=true -c features.profiles=true >/dev/null
lxc image import "$WORK/bb.tar.gz" --project q --alias qb >/dev/null 2>&1
expect images-count-in-disk-usage bash -c "api GET /1.0/projects/q/state | jq -e '.metadata.resources.disk.usage > 0'"
expect disk-limit-below-images-refused refused '"limits.disk" is too low' lxc project set q limits.disk=1KiB
expect disk-limit-above-images-accepted lxc project set q limits.disk=1GiB
lxc image delete qb --project q >/dev/null 2>&1
lxc project delete q >/dev/null 2>&1

# ---- restrictions ----
lxc project create r -c features.images=false -c restricted=true >/dev/null
expect restricted-root-disk-allowed lxc profile device add default root disk path=/ pool=default --project r
lxc init bb r1 --project r >/dev/null
for kv in raw.lxc=lxc.cap.drop= raw.apparmor=x raw.seccomp=x "raw.idmap=both 0 0" security.privileged=true \
          security.nesting=true linux.kernel_modules=ip_tables security.idmap.base=100000 \
          security.syscalls.intercept.mknod=true volatile.idmap.base=0; do
  key=${kv%%=*}
  expect "restricted-instance-$key" bash -c "refused 'forbidden' lxc config set r1 '$kv' --project r &&
    [ -z \"\$(lxc config get r1 '$key' --project r | grep -v '^0$')\" -o '$key' = volatile.idmap.base ]"
done
expect restricted-volatile-unchanged bash -c "[ \"\$(lxc config get r1 volatile.idmap.base --project r)\" != 0 ] || [ -z \"\$(lxc config get r1 volatile.idmap.base --project r)\" ]"
expect restricted-create-refused bash -c "refused 'Privileged containers are forbidden' lxc init bb r2 --project r -c security.privileged=true &&
  [ \$(status_of GET '/1.0/instances/r2?project=r') = 404 ] && [ ! -e '$pool/containers/r_r2' ]"
expect restricted-profile-refused bash -c "lxc profile create rp --project r >/dev/null &&
  refused 'forbidden' lxc profile set rp raw.lxc lxc.cap.drop= --project r &&
  refused 'forbidden' lxc profile set default security.privileged true --project r &&
  [ -z \"\$(lxc profile get rp raw.lxc --project r)\" ]"
for dev in "d1 disk source=/ path=/mnt" "d2 unix-char path=/dev/zero" "d3 proxy listen=tcp:127.0.0.1:1 connect=tcp:127.0.0.1:2" \
           "d4 nic nictype=bridged parent=lxdbr0" "d5 usb" "d6 gpu"; do
  name=${dev%% *}
  expect "restricted-device-$name" bash -c "refused 'forbidden\|not allowed\|Only managed' lxc config device add r1 $dev --project r &&
    ! lxc config device show r1 --project r | grep -q '^$name:'"
done
expect restricted-snapshot-refused bash -c "refused 'snapshot' lxc snapshot r1 s0 --project r &&
  [ ! -e '$pool/containers-snapshots/r_r1/s0' ]"
expect restricted-snapshot-allowed bash -c "lxc project set r restricted.snapshots=allow && lxc snapshot r1 s0 --project r"
# A snapshot taken before the restriction brings back what the project now refuses.
expect restricted-snapshot-restore-refused bash -c "lxc project set r restricted=false &&
  lxc config set r1 security.privileged true --project r && lxc snapshot r1 priv --project r &&
  lxc config unset r1 security.privileged --project r && lxc project set r restricted=true &&
  refused 'Privileged' lxc restore r1 priv --project r && [ -z \"\$(lxc config get r1 security.privileged --project r)\" ]"
expect restriction-conflict-refused bash -c "refused 'Non-isolated' lxc project set r restricted.containers.privilege=isolated &&
  [ -z \"\$(lxc project get r restricted.containers.privilege)\" ]"
expect restricted-backup-refused refused 'backup' lxc query -X POST -d '{"name":"b0"}' '/1.0/instances/r1/backups?project=r'

# ---- all projects, events of one project ----
lxc init bb d1 >/dev/null
expect list-all-projects bash -c "lxc list --all-projects -c n --format csv | sort | tr '\n' ' ' | grep -qx 'c1 c2 d1 r1 '"
expect list-all-projects-urls bash -c "api GET '/1.0/instances?all-projects=true' | grep -q '/1.0/instances/r1?project=r'"
expect list-one-project bash -c "[ \"\$(lxc list -c n --format csv --project p | sort | tr '\n' ' ')\" = 'c1 c2 ' ]"
expect events-of-one-project bash -c "
  timeout 6 lxc monitor --type=lifecycle --project p >'$WORK/monitor.out' 2>&1 & sleep 1
  lxc config set d1 user.x 1 && lxc config set c1 user.x 1 --project p; wait
  grep -q '/1.0/instances/c1' '$WORK/monitor.out' && ! grep -q '/1.0/instances/d1' '$WORK/monitor.out' && grep -q 'project: p' '$WORK/monitor.out'"
expect operations-carry-project bash -c "lxc query '/1.0/operations?recursion=1&all-projects=true' >/dev/null &&
  api GET '/1.0/operations?recursion=1&project=p' | grep -q '\"metadata\"'"

# ---- live limits of a running container ----
# The container's own cgroup, found through its init's /proc/PID/cgroup on the host (busybox
# mounts no cgroup file system inside, and the container's cgroup namespace hides the path).
cgroup() { # cgroup NAME V2FILE V1FILE
  local pid
  pid=$(api GET "/1.0/instances/$1/state" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["pid"])')
  if [[ -e /sys/fs/cgroup/cgroup.controllers ]]; then
    cat "/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/$pid/cgroup)/$2"
  else
    local controller=${3%%/*}
    cat "/sys/fs/cgroup/$controller$(awk -F: -v c="$controller" '$2 == c {print $3}' /proc/$pid/cgroup)/${3#*/}"
  fi
}
export -f cgroup
lxc launch bb lv1 >/dev/null 2>&1
lxc profile create live >/dev/null
lxc profile set live limits.memory 64MiB
expect instance-profile-add-live bash -c "lxc profile add lv1 live && [ \"\$(cgroup lv1 memory.max memory/memory.limit_in_bytes)\" = 67108864 ]"
expect profile-change-live bash -c "lxc profile set live limits.memory 96MiB && [ \"\$(cgroup lv1 memory.max memory/memory.limit_in_bytes)\" = 100663296 ]"
expect instance-processes-live bash -c "lxc config set lv1 limits.processes 50 && [ \"\$(cgroup lv1 pids.max pids/pids.max)\" = 50 ]"
expect instance-processes-unset-live bash -c "lxc config unset lv1 limits.processes && [ \"\$(cgroup lv1 pids.max pids/pids.max)\" = max ]"
expect instance-cpu-live bash -c "lxc config set lv1 limits.cpu 1 && [ \"\$(cgroup lv1 cpuset.cpus.effective cpuset/cpuset.cpus)\" = 0 ]"
# A value the kernel refuses (CPUs the host does not have) undoes the change.
if [[ $(nproc --all) -lt 60 ]]; then
  expect instance-refused-live-undone bash -c "refused 'cpuset.cpus' lxc config set lv1 limits.cpu 60-61 &&
    [ \"\$(lxc config get lv1 limits.cpu)\" = 1 ] && [ \"\$(cgroup lv1 cpuset.cpus.effective cpuset/cpuset.cpus)\" = 0 ]"
else
  echo "skip: instance-refused-live-undone needs a host with fewer than 60 CPUs"
fi
expect profile-unset-live bash -c "lxc profile unset live limits.memory && [ \"\$(cgroup lv1 memory.max memory/memory.limit_in_bytes)\" != 100663296 ]"
lxc stop -f lv1 >/dev/null
