#!/bin/bash
# lxd-plugin-inspect: a plugin's description, drivers, flags by name, probe result and manifest,
# as text and as JSON, without a daemon; a refused plugin with the loader's reason.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
inspect=$(cd "$(dirname "$DAEMON")/.." && pwd)/sdk/lxd-plugin-inspect
abi10=$(cd "$(dirname "$DAEMON")/.." && pwd)/tests/abi/plugins/abi10-fixture.so

expect text-describes-dir bash -c "'$inspect' '$PLUGINS/storage-dir.so' >'$WORK/dir.txt' &&
  grep -q '^plugin  *storage-dir ' '$WORK/dir.txt' && grep -q '^ABI  *built with 1\.' '$WORK/dir.txt' &&
  grep -q \"^storage driver 'dir'\" '$WORK/dir.txt' && grep -q '^  probe  *usable' '$WORK/dir.txt' &&
  grep -q 'storage-dir.json (ABI 1\.[0-9]*; storage:dir; agrees with the plugin)' '$WORK/dir.txt'"
expect json-flags-by-name bash -c "'$inspect' --json '$abi10' | python3 -c '
import json, sys
p = json.load(sys.stdin)
assert p[\"loaded\"] and p[\"name\"] == \"abi10-fixture\", p
assert p[\"abi\"] == {\"major\": 1, \"minor\": 0, \"min_host_minor\": 0}, p[\"abi\"]
d = {x[\"kind\"] + \":\" + x[\"name\"]: x for x in p[\"drivers\"]}
assert d[\"storage:abi10fs\"][\"flags\"] == [\"FAST_SNAPSHOTS\", \"QUOTAS\"], d
assert d[\"instance:abi10-ct\"][\"type\"] == \"container\" and d[\"instance:abi10-ct\"][\"usable\"], d
assert p[\"manifest\"] is None
'"
expect probe-message-shown bash -c "'$inspect' '$FIXTURES/fixture-unusable.so' | grep -q '^  probe  *not usable: the fixture tool is not installed$'"
expect refused-exits-1 bash -c "'$inspect' '$FIXTURES/fixture-wrong-major.so' >'$WORK/major.txt'; [[ \$? == 1 ]] &&
  grep -q '^refused  *built for ABI major 2, this host speaks 1$' '$WORK/major.txt' && grep -q 'built with 2\.[0-9]' '$WORK/major.txt'"
expect usage-exits-2 bash -c "'$inspect' >/dev/null 2>&1; [[ \$? == 2 ]] && '$inspect' --bogus x.so >/dev/null 2>&1; [[ \$? == 2 ]]"
