#!/bin/bash
# `lxd sql` and the database patch files applied at start-up.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon

expect select-prints-table bash -c "'$DAEMON' sql local 'SELECT name FROM profiles' | grep -q '| default |'"
expect exec-counts-rows bash -c "'$DAEMON' sql global \"UPDATE profiles SET description = 'x' WHERE name = 'default'\" | grep -q 'Rows affected: 1'"
expect schema-dump bash -c "'$DAEMON' sql local .schema | grep -q 'CREATE TABLE instances'"
expect full-dump bash -c "'$DAEMON' sql local .dump | grep -q \"INSERT INTO profiles VALUES('default','default','x'\""
expect batch-numbered bash -c "'$DAEMON' sql global \"SELECT 1; UPDATE profiles SET description = 'y;z' WHERE name = 'default'\" >'$WORK/batch.out' && grep -q '=> Query 0:' '$WORK/batch.out' && grep -q '=> Query 1:' '$WORK/batch.out' && grep -q 'Rows affected: 1' '$WORK/batch.out'"
expect semicolon-in-literal bash -c "api GET /1.0/profiles/default | grep -q '\"description\":\"y;z\"'"
expect batch-all-or-nothing bash -c "! '$DAEMON' sql global \"UPDATE profiles SET description = 'half' WHERE name = 'default'; SELECT nope FROM nothing\" 2>/dev/null && api GET /1.0/profiles/default | grep -q '\"description\":\"y;z\"'"
expect stdin-query bash -c "echo 'SELECT name FROM profiles' | '$DAEMON' sql local - | grep -q '| default |'"
expect sync bash -c "'$DAEMON' sql global .sync"
expect bad-query-refused bash -c "! '$DAEMON' sql local 'SELECT nope FROM nothing' 2>/dev/null"

stop_daemon
echo "UPDATE profiles SET description = 'patched' WHERE name = 'default';" >"$LXD_DIR/database/patch.local.sql"
start_daemon
expect patch-applied bash -c "api GET /1.0/profiles/default | grep -q '\"description\":\"patched\"'"
expect patch-removed test ! -e "$LXD_DIR/database/patch.local.sql"
