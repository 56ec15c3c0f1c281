#!/bin/bash
# Reliability battery, family D: the database across versions and damage.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
api PUT /1.0/profiles/default '{"config":{"user.mark":"kept"},"devices":{}}' >/dev/null
stop_daemon
db=$LXD_DIR/database/local.db
refuses() { # refuses PATTERN: the daemon must not start, and say PATTERN
  timeout 20 "$DAEMON" --group root >"$WORK/refused.out" 2>&1 && return 1
  grep -q "$1" "$WORK/refused.out" || { cat "$WORK/refused.out"; return 1; }
  [ ! -S "$LXD_DIR/unix.socket" ] || ! curl -s --max-time 2 --unix-socket "$LXD_DIR/unix.socket" http://lxd/1.0 >/dev/null
}
export -f refuses
export DAEMON

# D-2: a schema newer than the binary.
version=$(python3 -c "import sqlite3; print(sqlite3.connect('$db').execute('PRAGMA user_version').fetchone()[0])")
python3 -c "import sqlite3; c = sqlite3.connect('$db'); c.execute('PRAGMA user_version = $((version + 1))'); c.commit()"
sum=$(sha256sum "$db" | cut -d' ' -f1)
expect "D-2 newer schema refused" refuses "newer than this daemon"
expect "D-2 the database is not written" bash -c "[ \$(sha256sum '$db' | cut -d' ' -f1) = $sum ]"
python3 -c "import sqlite3; c = sqlite3.connect('$db'); c.execute('PRAGMA user_version = $version'); c.commit()"

# D-3: a damaged file is refused, never replaced by an empty database.
cp "$db" "$WORK/good.db"
truncate -s 4096 "$db"; rm -f "$db-wal" "$db-shm"
expect "D-3 truncated database refused with its path" refuses "$db"
expect "D-3 not replaced" test "$(stat -c %s "$db")" = 4096
head -c 512 "$WORK/good.db" >"$db"; head -c 1024 /dev/urandom >>"$db"
expect "D-3 garbage database refused with its path" refuses "$db"
cp "$WORK/good.db" "$db"
start_daemon
expect "D-3 the good copy serves again with its settings" bash -c "api GET /1.0/profiles/default | grep -q '\"user.mark\":\"kept\"'"
stop_daemon

# D-1: a migration that fails or is killed half-way. The database is taken back to schema 1 by
# undoing migration 1 -> 2 (pending_changes); a later migration must be undone here too.
sql() { python3 -c "import sqlite3, sys; c = sqlite3.connect('$db'); r = c.execute(sys.argv[1]).fetchone(); c.commit(); print(r[0] if r else '')" "$1"; }
dump() { python3 -c "import sqlite3; print('\n'.join(sqlite3.connect('$db').iterdump()))" | sha256sum; }
export -f sql dump
export db
latest=$(sql 'PRAGMA user_version')
sql 'DROP TABLE pending_changes' >/dev/null; sql 'PRAGMA user_version = 1' >/dev/null
before=$(dump)
LXDP_FAULT_POINT=schema-migration-statement:1:fail \
  expect "D-1 an injected SQL error stops the start, naming it" refuses "injected failure at fault point schema-migration-statement"
expect "D-1 the database is as before (one transaction)" bash -c "[ \"\$(dump)\" = '$before' ] && [ \$(sql 'PRAGMA user_version') = 1 ]"
expect "D-1 a pre-migration backup exists" bash -c "python3 -c \"import sqlite3; print(sqlite3.connect('$db.bak').execute('PRAGMA user_version').fetchone()[0])\" | grep -qx 1"
# A daemon killed between the migration's statements or before its commit leaves it undone too.
for point in schema-migration-statement schema-migration-before-commit; do
  expect "D-1 killed at $point: the version before it" bash -c "
    LXDP_FAULT_POINT=$point timeout 20 '$DAEMON' --group root >'$WORK/killed.out' 2>&1; [ \$? = 137 ] &&
    grep -q 'fault point $point reached' '$WORK/killed.out' && [ \"\$(dump)\" = '$before' ]"
done
# D-4: the backup taken before the migration is a working database with every setting.
cp "$db.bak" "$db"; rm -f "$db-wal" "$db-shm"
start_daemon
expect "D-4 restored from the backup: migrated, settings present" bash -c "
  api GET /1.0/profiles/default | grep -q '\"user.mark\":\"kept\"' && [ \$(sql 'PRAGMA user_version') = $latest ] &&
  [ \$(sql 'SELECT count(*) FROM pending_changes') = 0 ]"
