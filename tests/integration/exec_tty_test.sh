#!/bin/bash
# lxc exec with a terminal, through the real client under script(1): the command's tty is a
# terminal of the container's own devpts (tty prints /dev/pts/N, owned by the container's root,
# for another user too), of the client's window size and resized with it (control websocket),
# the output starts with what the command wrote (no stray byte), exit codes pass through; -T
# still runs the command on pipes. An unprivileged and a privileged container.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
trap 'lxc delete -f t1 t2 >/dev/null 2>&1; finish' EXIT
start_daemon
setup_base
lxc launch bb t1 >/dev/null 2>&1
lxc launch bb t2 -c security.privileged=true >/dev/null 2>&1
pts_before=$(lxc exec t1 -- ls /dev/pts)

# Runs CMD under script(1) so that the client has a terminal; prints what the client wrote,
# without the terminal's carriage returns, and returns CMD's status. script's input stays open:
# had it ended at once, script would type ^D at the client's terminal before the client made it
# raw, where it stays as a NUL byte the client then sends (and the container's terminal echoes
# as ^@), as with upstream's daemon.
on_tty() {
  local in keeper out rc
  exec {in}< <(sleep 120)
  keeper=$! out=$(mktemp)
  script -qec "$1" /dev/null <&"$in" >"$out" 2>/dev/null
  rc=$?
  kill "$keeper" 2>/dev/null
  exec {in}<&-
  tr -d '\r' <"$out"
  rm -f "$out"
  return $rc
}
export -f on_tty

for c in t1 t2; do
  expect "$c: tty names the container's own terminal" bash -c "out=\$(on_tty 'lxc exec $c -- tty'); echo \"\$out\"; [[ \$out =~ ^/dev/pts/[0-9]+\$ ]]"
  expect "$c: -t as well" bash -c "out=\$(on_tty 'lxc exec -t $c -- tty'); echo \"\$out\"; [[ \$out =~ ^/dev/pts/[0-9]+\$ ]]"
  expect "$c: the terminal exists in the container's /dev/pts" bash -c \
    "out=\$(on_tty \"lxc exec $c -- sh -c 'ls \\\$(tty)'\"); echo \"\$out\"; [[ \$out =~ ^/dev/pts/[0-9]+\$ ]]"
done
expect "the terminal is owned by the container's root" bash -c \
  "out=\$(on_tty \"lxc exec t1 -- sh -c 'stat -c %u:%U \\\$(tty)'\"); echo \"\$out\"; [ \"\$out\" = 0:root ]"
expect "another user gets the terminal as its own" bash -c \
  "out=\$(on_tty \"lxc exec t1 --user 1000 -- sh -c 'tty && stat -c %u \\\$(tty)'\"); echo \"\$out\"; [[ \$out =~ ^/dev/pts/[0-9]+.1000\$ ]]"
expect "the command has the terminal as its controlling one (job control)" bash -c \
  "out=\$(on_tty \"lxc exec t1 -- cut -d' ' -f7 /proc/self/stat\"); echo \"\$out\"; [ \"\$out\" -gt 0 ]"
expect "the output is the command's, from its first byte" bash -c \
  "on_tty 'lxc exec t1 -- echo hello' >'$WORK/hello'; od -c '$WORK/hello' | head -3; [ \"\$(head -c 6 '$WORK/hello')\" = hello ]"
expect "no NUL byte even when the client's input ends at once" bash -c \
  "script -qec 'lxc exec t1 -- echo hello' /dev/null </dev/null >'$WORK/hello' 2>&1; od -c '$WORK/hello' | head -3; [ \$(tr -cd '\\000' <'$WORK/hello' | wc -c) = 0 ] && grep -q hello '$WORK/hello'"
expect "the terminal has the client's window size" bash -c \
  "out=\$(on_tty 'stty cols 123 rows 45; lxc exec t1 -- stty size'); echo \"\$out\"; [ \"\$out\" = '45 123' ]"
# stty on the client's terminal sends SIGWINCH to it, and the client sends window-resize.
expect "a resized window reaches the terminal (control websocket)" bash -c \
  "out=\$(on_tty \"stty cols 100 rows 30; lxc exec -t t1 -- sh -c 'sleep 3; stty size' </dev/null & sleep 1.5; stty cols 90 rows 20; wait\"); echo \"\$out\"; [ \"\$out\" = '20 90' ]"
expect "an exit code passes through" bash -c "on_tty \"lxc exec t1 -- sh -c 'exit 3'\"; [ \$? = 3 ]"
expect "a signalled command's code is 128+N" bash -c "on_tty \"lxc exec t1 -- sh -c 'kill -9 \\\$\\\$'\"; [ \$? = 137 ]"
expect "input reaches the command through the terminal" bash -c \
  "timeout 60 script -qec \"lxc exec t1 -- sh -c 'read l; echo got-\\\$l'\" /dev/null < <(sleep 2; echo abc) >'$WORK/in.out' 2>&1; cat '$WORK/in.out'; tr -d '\\r' <'$WORK/in.out' | grep -qx got-abc"
expect "-T runs the command without a terminal" bash -c \
  "out=\$(on_tty 'lxc exec -T t1 -- tty'); rc=\$?; echo \"\$out\"; [ \$rc = 1 ] && [ \"\$out\" = 'not a tty' ]"
expect "-T keeps stdout and stderr apart" bash -c \
  "[ \"\$(lxc exec -T t1 -- sh -c 'echo out; echo err >&2' 2>/dev/null)\" = out ]"
expect "no terminal is left open in the container" bash -c "sleep 1; [ \"\$(lxc exec t1 -- ls /dev/pts)\" = '$pts_before' ]"
lxc delete -f t1 t2 >/dev/null 2>&1
lxc image delete bb >/dev/null 2>&1
