#!/bin/bash
# lxc exec end to end: output, exit codes, stdin, the environment from the instance's config, and
# the refusals before any operation (a stopped or frozen instance, no command).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
lxc launch bb e1 >/dev/null 2>&1
lxc init bb e2 >/dev/null 2>&1

expect "exec prints the command's stdout and stderr apart" bash -c \
  "[ \"\$(lxc exec e1 -- sh -c 'echo out; echo err >&2' 2>/dev/null)\" = out ] && [ \"\$(lxc exec e1 -- sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)\" = err ]"
expect "exec returns the command's exit code" bash -c "lxc exec e1 -- sh -c 'exit 5'; [ \$? = 5 ]"
expect "exec passes stdin to the end" bash -c "[ \"\$(printf 'a\nb\n' | lxc exec e1 -- wc -l)\" = 2 ]"
expect "exec of a missing command is 127" bash -c "lxc exec e1 -- /nonexistent 2>/dev/null; [ \$? = 127 ]"
lxc config set e1 environment.GREETING hello
expect "exec sees environment.* keys and HOME" bash -c \
  "[ \"\$(lxc exec e1 -- sh -c 'echo \$GREETING \$HOME \$PWD')\" = 'hello /root /root' ]"
expect "exec on a stopped instance is refused" bash -c \
  "out=\$(lxc exec e2 -- true 2>&1); [ \$? != 0 ] && grep -q 'Instance is not running' <<<\"\$out\""
expect "exec without a command is a 400" bash -c \
  "[ \"\$(status_of POST /1.0/instances/e1/exec '{\"command\":[],\"wait-for-websocket\":true}')\" = 400 ]"
if lxc pause e1 >/dev/null 2>&1; then
  expect "exec on a frozen instance is refused" bash -c \
    "out=\$(lxc exec e1 -- true 2>&1); [ \$? != 0 ] && grep -q 'Instance is frozen' <<<\"\$out\""
  lxc start e1 >/dev/null 2>&1
  expect "exec works again once resumed" bash -c "[ \"\$(lxc exec e1 -- echo hi)\" = hi ]"
else
  echo "skip frozen exec: this kernel's cgroups cannot freeze the instance"
fi
lxc delete -f e1 e2 >/dev/null 2>&1
lxc image delete bb >/dev/null 2>&1
