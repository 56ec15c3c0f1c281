#!/bin/bash
# GET /1.0 environment.kernel_features and lxc_features, as upstream 5.0.2 fills them (its keys,
# "true"/"false" strings) and the real lxc info prints them. Each kernel feature is checked
# against the kernel version that brought it, the liblxc ones against what the lxc driver
# already relies on.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
export LXD_CONF=$WORK/client

lxc query /1.0 >"$WORK/server.json" 2>"$WORK/first-client-run.txt"
kf() { jq -r ".environment.kernel_features.\"$1\"" "$WORK/server.json"; }
lf() { jq -r ".environment.lxc_features.\"$1\"" "$WORK/server.json"; }
export -f kf lf
export WORK

expect "kernel_features has upstream 5.0.2's keys, each true or false" bash -c \
  "jq -e '.environment.kernel_features | (keys == [\"idmapped_mounts\",\"netnsid_getifaddrs\",\"seccomp_listener\",
     \"seccomp_listener_continue\",\"shiftfs\",\"uevent_injection\",\"unpriv_fscaps\"]) and
     (map_values(. == \"true\" or . == \"false\") | all)' $WORK/server.json"
expect "lxc_features has upstream 5.0.2's keys, each true or false" bash -c \
  "jq -e '.environment.lxc_features | (keys == ([\"mount_injection_file\",\"seccomp_notify\",\"network_ipvlan\",
     \"network_l2proxy\",\"network_gateway_device_route\",\"network_phys_macvlan_mtu\",\"network_veth_router\",
     \"cgroup2\",\"pidfd\",\"seccomp_allow_deny_syntax\",\"devpts_fd\",\"seccomp_proxy_send_notify_fd\",
     \"idmapped_mounts_v2\",\"core_scheduling\"] | sort)) and (map_values(. == \"true\" or . == \"false\") | all)' $WORK/server.json"

# Each kernel feature is there exactly from the version that brought it.
at_least() { # at_least MAJOR MINOR: the running kernel is that version or later
  local v; v=$(uname -r); local maj=${v%%.*} rest=${v#*.}; local min=${rest%%[.-]*}
  (( maj > $1 || (maj == $1 && min >= $2) ))
}
export -f at_least
for f in "unpriv_fscaps 4 14" "uevent_injection 4 18" "netnsid_getifaddrs 4 20" "seccomp_listener 5 0" \
         "seccomp_listener_continue 5 5" "idmapped_mounts 5 12"; do
  set -- $f
  expect "$1 matches kernel $(uname -r) (since $2.$3)" bash -c \
    "if at_least $2 $3; then [ \"\$(kf $1)\" = true ]; else [ \"\$(kf $1)\" = false ]; fi"
done
expect "shiftfs matches /proc/filesystems" bash -c \
  "if grep -qw shiftfs /proc/filesystems; then [ \"\$(kf shiftfs)\" = true ]; else [ \"\$(kf shiftfs)\" = false ]; fi"
# The lxc driver already uses devpts_fd (lxc exec -t) and pidfds; this liblxc has cgroup2.
expect "lxc_features reports what the lxc driver relies on" bash -c \
  "[ \"\$(lf devpts_fd)\" = true ] && [ \"\$(lf pidfd)\" = true ] && [ \"\$(lf cgroup2)\" = true ]"

# The real client prints both maps under environment, as it does for upstream.
lxc info >"$WORK/info.txt" 2>&1
expect "lxc info prints kernel_features" bash -c \
  "sed -n '/^  kernel_features:/,/^  kernel_version:/p' $WORK/info.txt | grep -Eq '^    idmapped_mounts: \"(true|false)\"' &&
   [ \$(sed -n '/^  kernel_features:/,/^  kernel_version:/p' $WORK/info.txt | grep -c '^    ') = 7 ]"
expect "lxc info prints lxc_features" bash -c \
  "sed -n '/^  lxc_features:/,/^  os_name:/p' $WORK/info.txt | grep -Eq '^    devpts_fd: \"true\"' &&
   [ \$(sed -n '/^  lxc_features:/,/^  os_name:/p' $WORK/info.txt | grep -c '^    ') = 14 ]"

# Probed once: later answers are the same, and the probe left no thread behind.
expect "the same answer every time" bash -c \
  "for i in 1 2 3; do lxc query /1.0 | jq -c '.environment | [.kernel_features, .lxc_features]'; done | sort -u | wc -l | grep -qx 1"
