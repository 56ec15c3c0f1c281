#!/bin/bash
# lxc console with a busybox container: an interactive session through the real client (under
# script(1)) gets a shell on /dev/console and detaches with ctrl+a q; --show-log shows what was
# written to /dev/console, from liblxc's console log, while it runs and once stopped; DELETE
# empties it; a link put there is never followed; a second client while one is attached is refused.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
lxc launch bb c1 >/dev/null 2>&1
lxc init bb c2 >/dev/null 2>&1
lxc project create p1 -c features.images=false -c features.profiles=false >/dev/null 2>&1
lxc launch bb c1 --project p1 >/dev/null 2>&1

expect "the console extension is advertised" bash -c "api GET /1.0 | jq -e '.metadata.api_extensions | index(\"console\")'"
# busybox init keeps a shell on the console (an inittab line without a tty runs there); the
# client's terminal is script's pty.
lxc exec c1 -- sh -c 'echo "::respawn:-/bin/sh" >>/etc/inittab; kill -HUP 1'
# The client looks for its escape (ctrl+a) and q in separate reads, as a person types them.
(sleep 2; printf '\r'; sleep 1; printf 'echo con-$((40+2))\r'; sleep 2; printf '\001'; sleep 1; printf q) |
  timeout 30 script -qfec "lxc console c1" "$WORK/console.out" >/dev/null 2>&1
echo $? >"$WORK/console.rc"
expect "an interactive console gets a shell" grep -q 'con-42' "$WORK/console.out"
expect "ctrl+a q detaches (the client ends before the timeout)" bash -c "[ \$(cat '$WORK/console.rc') != 124 ]"
expect "the console operation ends with the session" bash -c "sleep 1; ! api GET /1.0/operations | jq -e '.metadata.running[]?' | grep -q ."
expect "a console again after the detach" bash -c \
  "(sleep 2; printf 'echo again-\$((1+1))\r'; sleep 2; printf '\001'; sleep 1; printf q) | timeout 30 script -qfec 'lxc console c1' '$WORK/console2.out' >/dev/null 2>&1; grep -q again-2 '$WORK/console2.out'"
# A second client while one is attached is refused as upstream's, and the first stays attached.
(sleep 2; printf '\r'; sleep 5; printf 'echo first-$((5+5))\r'; sleep 2; printf '\001'; sleep 1; printf q) |
  timeout 30 script -qfec "lxc console c1" "$WORK/first.out" >/dev/null 2>&1 &
first=$!
sleep 3
expect "a second console while one is attached is refused (busy)" bash -c \
  "out=\$(timeout 20 script -qec 'lxc console c1' /dev/null </dev/null 2>&1); rc=\$?; echo \"\$out\"; [ \$rc = 1 ] && grep -q 'the console is busy' <<<\"\$out\""
wait $first
expect "the first console stays attached" grep -q 'first-10' "$WORK/first.out"
expect "console of a stopped instance is refused" bash -c "[ \$(status_of POST /1.0/instances/c2/console '{\"width\":80,\"height\":24}') = 400 ]"
expect "a vga console is refused" bash -c "[ \$(status_of POST /1.0/instances/c1/console '{\"type\":\"vga\"}') = 400 ]"
expect "console of a missing instance is 404" bash -c "[ \$(status_of POST /1.0/instances/nope/console '{}') = 404 ]"
lxc exec c1 -- sh -c 'echo hi-from-console > /dev/console'
expect "console output shows in --show-log" bash -c "lxc console c1 --show-log | grep -q hi-from-console"
expect "the instance of another project has its own log" bash -c \
  "lxc exec c1 --project p1 -- sh -c 'echo p1-console > /dev/console' && lxc console c1 --project p1 --show-log | grep -q p1-console &&
   ! lxc console c1 --project p1 --show-log | grep -q hi-from-console"
expect "DELETE empties it" bash -c "api DELETE /1.0/instances/c1/console | jq -e '.status_code == 200' && ! lxc console c1 --show-log | grep -q hi-from-console"
lxc exec c1 -- sh -c 'echo after-clear > /dev/console'
expect "output after the clear is logged" bash -c "lxc console c1 --show-log | grep -q after-clear"
lxc stop -f c1 >/dev/null
expect "the log stays readable once stopped" bash -c "lxc console c1 --show-log | grep -q after-clear"
expect "a never started instance has an empty log" bash -c "[ -z \"\$(lxc console c2 --show-log | grep -v -e '^\$' -e '^Console log:\$')\" ]"
expect "a missing instance is 404" bash -c "[ \$(status_of GET /1.0/instances/nope/console) = 404 ] && [ \$(status_of DELETE /1.0/instances/nope/console) = 404 ]"
echo secret >"$WORK/target"
log=$LXD_DIR/logs/c1/console.log
rm -f "$log" && ln -s "$WORK/target" "$log"
expect "a link at the log is not followed (GET)" bash -c "[ \$(status_of GET /1.0/instances/c1/console) = 400 ]"
expect "a link at the log is not followed (DELETE)" bash -c "[ \$(status_of DELETE /1.0/instances/c1/console) = 400 ] && [ \"\$(cat '$WORK/target')\" = secret ]"
rm -f "$log"

lxc delete -f c1 c2 >/dev/null 2>&1
lxc delete -f c1 --project p1 >/dev/null 2>&1
lxc project delete p1 >/dev/null 2>&1
lxc image delete bb >/dev/null 2>&1
