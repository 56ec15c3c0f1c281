#!/bin/bash
# What a user switching from LXD runs day to day with the real lxc client, beyond the acceptance
# scenarios: each check is a place where this daemon once answered differently from upstream 5.0.2.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
lxc init bb j1 >/dev/null 2>&1
lxc profile create jp >/dev/null 2>&1

# lxc profile add of a profile the instance already has: upstream refuses the duplicate.
lxc profile add j1 jp >/dev/null 2>&1
expect "a profile applied twice is refused and the list stays as it was" bash -c \
  "out=\$(lxc profile add j1 jp 2>&1); [ \$? != 0 ] && grep -q 'Duplicate profile found in request' <<<\"\$out\" &&
   [ \"\$(lxc query /1.0/instances/j1 | jq -c .profiles)\" = '[\"default\",\"jp\"]' ]"
expect "profile assign with a repeated name is refused" bash -c "! lxc profile assign j1 default,jp,jp 2>/dev/null"

lxc delete -f j1 >/dev/null 2>&1
lxc profile delete jp >/dev/null 2>&1
lxc image delete bb >/dev/null 2>&1
