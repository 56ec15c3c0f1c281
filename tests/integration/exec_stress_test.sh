#!/bin/bash
# lxc exec under load: 200 execs from 10 parallel loops on three containers while other
# containers launch, exec and go; every one prints exactly its output (C-4 once saw an exec exit
# 0 with no output: the client read its stdout after the daemon had closed it). Large output arrives whole and exit codes come through.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
trap 'for c in s1 s2 s3 k1 k2 k3 k4 k5 k6; do lxc delete -f $c >/dev/null 2>&1; done; finish' EXIT
start_daemon
setup_base
for c in s1 s2 s3; do lxc launch bb $c >/dev/null 2>&1; done

churn() { # launch, exec and delete one container three times
  for _ in 1 2 3; do
    lxc launch -q bb "k$1" >/dev/null 2>&1
    out=$(lxc exec "k$1" -- echo ok 2>&1)
    [ "$out" = ok ] && echo ok || echo "k$1: rc=$? out=[$out]"
    lxc delete -f "k$1" >/dev/null 2>&1
  done >>"$WORK/churn"
}
execs() { # 20 execs of echo in one of the long-lived containers
  for r in $(seq 1 20); do
    out=$(lxc exec "s$(($1 % 3 + 1))" -- echo "ok $1.$r" 2>&1)
    rc=$?
    [ "$out" = "ok $1.$r" ] && [ $rc = 0 ] && echo ok || echo "loop $1 round $r: rc=$rc out=[$out]"
  done >>"$WORK/execs"
}
pids=()
for i in 1 2 3 4 5 6; do churn $i & pids+=($!); done
for i in $(seq 1 10); do execs $i & pids+=($!); done
wait "${pids[@]}"
echo "exec under load: $(grep -c '^ok$' "$WORK/execs") of 200 execs, $(grep -c '^ok$' "$WORK/churn") of 18 churn execs printed their output"
grep -hv '^ok$' "$WORK/execs" "$WORK/churn" | head -20
expect "200 parallel execs each print their output" bash -c "[ \$(grep -c '^ok$' '$WORK/execs') = 200 ]"
expect "execs in freshly launched containers print their output" bash -c "[ \$(grep -c '^ok$' '$WORK/churn') = 18 ]"
# A command's output written to the wrong fd would land in the daemon's own stdout.
expect "no command output in the daemon's stdout" bash -c "! grep -q '^ok' '$WORK/daemon.out'"
# A loaded client reads its stdout late, maybe after the operation ended: it answers the ping it
# finds there first, which fails (and loses the output) if the daemon let the stream go already.
expect "a client that reads its stdout after the operation ended gets it" \
  python3 "$here/exec_late_reader.py" "$LXD_DIR/unix.socket" s1
expect "1000000 bytes of output arrive whole" bash -c "[ \$(lxc exec s1 -- sh -c 'head -c 1000000 /dev/zero' | wc -c) = 1000000 ]"
expect "large stdout and stderr apart" bash -c \
  "[ \$(lxc exec s1 -- sh -c 'head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2' 2>/dev/null | wc -c) = 300000 ]"
expect "exit code of a command with output" bash -c "out=\$(lxc exec s2 -- sh -c 'echo x; exit 7'); [ \$? = 7 ] && [ \"\$out\" = x ]"
expect "exit code of a signalled command" bash -c "lxc exec s2 -- sh -c 'kill -9 \$\$'; [ \$? = 137 ]"
# Blocked and ignored signals survive exec: the daemon's (SIGPIPE), and SIGINT and SIGQUIT that
# this script's background job (the daemon) was started with, must not reach the command.
expect "a command starts with no signal blocked or ignored" bash -c \
  "sig=\$(lxc exec s3 -- grep -E '^Sig(Blk|Ign)' /proc/self/status | tr -d '\t'); echo \"\$sig\"; [ \"\$sig\" = \"\$(printf 'SigBlk:0000000000000000\nSigIgn:0000000000000000')\" ]"
expect "no instance left by the churn" bash -c "[ -z \"\$(lxc list -f csv -c n | grep '^k')\" ]"
lxc delete -f s1 s2 s3 >/dev/null 2>&1
lxc image delete bb >/dev/null 2>&1
