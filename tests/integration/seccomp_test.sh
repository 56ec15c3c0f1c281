#!/bin/bash
# security.syscalls.* and raw.seccomp shape the seccomp policy liblxc loads at start, as
# upstream's: deny lists (with an action, or killed by default), the default deny list that
# deny_default=false leaves out, x86_64's compat entry points with deny_compat, an allow list, or
# raw.seccomp as the whole policy; the combinations upstream refuses (raw.seccomp with any
# security.syscalls key, allow with the deny keys) get 400 and change nothing, also when a
# profile brings one half.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

start_daemon
setup_base >/dev/null 2>&1
policy() { cat "$LXD_DIR/logs/c/seccomp"; }
export -f policy

expect init lxc init bb c
expect default-policy bash -c 'lxc start c && policy | grep -qx "kexec_load errno 38" && policy | grep -q "^denylist" && lxc exec c -- mkdir /tmp/made && lxc stop -f c'

# A denied call with an action fails with it; the container keeps running.
expect set-deny lxc config set c security.syscalls.deny "$(printf 'mkdir errno 1\nmkdirat errno 1')"
expect deny-applies bash -c 'lxc start c && ! lxc exec c -- mkdir /tmp/denied 2>"$WORK/err" && grep -qi "not permitted" "$WORK/err" &&
  lxc exec c -- touch /tmp/still-writes && [ "$(lxc list c -c s --format csv)" = RUNNING ] && policy | grep -qx "kexec_load errno 38"'
expect deny-lifted bash -c 'lxc stop -f c && lxc config unset c security.syscalls.deny && lxc start c && lxc exec c -- mkdir /tmp/made-again && lxc stop -f c'

expect no-default bash -c 'lxc config set c security.syscalls.deny_default false && lxc start c && ! policy | grep -q kexec_load && lxc stop -f c && lxc config unset c security.syscalls.deny_default'
if [ "$(uname -m)" = x86_64 ]; then
  expect compat bash -c 'lxc config set c security.syscalls.deny_compat true && lxc start c && policy | grep -qx "\[x86_64\]" && policy | grep -qx "compat_sys_ptrace errno 38" &&
    lxc exec c -- true && lxc stop -f c && lxc config unset c security.syscalls.deny_compat'
fi
expect raw bash -c 'lxc config set c raw.seccomp "$(printf "2\ndenylist\n[all]\nmkdir errno 1\nmkdirat errno 1")" && lxc start c && [ "$(policy | tail -1)" = "mkdirat errno 1" ] &&
  ! lxc exec c -- mkdir /tmp/raw-denied 2>/dev/null && ! policy | grep -q kexec_load && lxc stop -f c'

# Refused combinations, named, and nothing changed.
refused() { # refused NAME KEY VALUE TEXT
  local before; before=$(lxc config show c)
  ! lxc config set c "$2" "$3" 2>"$WORK/err" && grep -q "$4" "$WORK/err" && [ "$(lxc config show c)" = "$before" ]
}
expect raw-with-deny refused raw-deny security.syscalls.deny "mount" "raw.seccomp is mutually exclusive with security.syscalls\*"
expect unset-raw lxc config unset c raw.seccomp
expect set-allow lxc config set c security.syscalls.allow "$(printf 'read\nwrite')"
expect allow-with-deny refused allow-deny security.syscalls.deny "mount" "security.syscalls.allow is mutually exclusive with security.syscalls.deny\*"
expect allow-with-default refused allow-default security.syscalls.deny_default true "mutually exclusive"
expect allow-default-false lxc config set c security.syscalls.deny_default false
expect allow-policy bash -c 'lxc config unset c security.syscalls.deny_default && timeout 60 lxc start c >/dev/null 2>&1; policy | grep -q "^allowlist" && policy | grep -qx write; lxc stop -f c >/dev/null 2>&1; true'
expect profile-half bash -c 'lxc profile create sec && lxc profile set sec security.syscalls.deny mount &&
  ! lxc profile add c sec 2>"$WORK/err" && grep -q "mutually exclusive" "$WORK/err" && ! lxc config show c | grep -qx -- "- sec"'
expect rest-status bash -c '[ "$(status_of PATCH /1.0/instances/c "{\"config\":{\"security.syscalls.deny_compat\":\"true\"}}")" = 400 ]'

expect extension-advertised bash -c 'lxc query /1.0 | grep -q "\"container_syscall_filtering\""'
expect cleanup bash -c 'lxc delete -f c && lxc profile delete sec && lxc image delete bb'
lxc profile device remove default root >/dev/null 2>&1
lxc storage delete default >/dev/null 2>&1
