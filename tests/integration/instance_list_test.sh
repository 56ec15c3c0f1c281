#!/bin/bash
# GET /1.0/instances?recursion=1 is kept serialized between requests (InstanceListCache): every
# change behind it shows in the next list, whatever made it (the API, a profile, raw SQL, the
# instance stopping by itself), and it answers as the uncached forms do.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
# list1 [PROJECT]: name status description limits.cpu(expanded) of each instance, sorted
list1() {
  api GET "/1.0/instances?recursion=1${1:+&project=$1}" | python3 -c '
import json, sys
for i in sorted(json.load(sys.stdin)["metadata"], key=lambda i: i["name"]):
    print(i["name"], i["status"], i["status_code"], i["description"] or "-", i["expanded_config"].get("limits.cpu") or "-", i["project"])'
}
export -f list1
lxc init bb l1 >/dev/null 2>&1
lxc launch bb l2 >/dev/null 2>&1
list1 >/dev/null  # kept from here on

expect "list shows both with their status" bash -c "[ \"\$(list1)\" = \$'l1 Stopped 102 - - default\nl2 Running 103 - - default' ]"
expect "the same fields as the uncached instance view" bash -c "
  a=\$(api GET '/1.0/instances?recursion=1' | python3 -c 'import json,sys; print(json.dumps(sorted([i for i in json.load(sys.stdin)[\"metadata\"] if i[\"name\"]==\"l2\"][0].items())))')
  b=\$(api GET /1.0/instances/l2 | python3 -c 'import json,sys; print(json.dumps(sorted(json.load(sys.stdin)[\"metadata\"].items())))')
  [ \"\$a\" = \"\$b\" ]"
lxc config set l1 user.x 1 >/dev/null; api PATCH /1.0/instances/l1 '{"description":"first"}' >/dev/null
expect "an instance's update shows" bash -c "list1 | grep -qx 'l1 Stopped 102 first - default'"
lxc profile set default limits.cpu 1
expect "a profile's change shows in expanded_config" bash -c "[ \"\$(list1 | awk '{print \$5}' | sort -u)\" = 1 ]"
lxc profile unset default limits.cpu
lxc stop -f l2 >/dev/null
expect "a stop shows" bash -c "list1 | grep -qx 'l2 Stopped 102 - - default'"
lxc start l2 >/dev/null; pid=$(lxc query /1.0/instances/l2/state | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
kill -9 "$pid"
expect "an instance that stopped by itself shows Stopped" bash -c "for i in \$(seq 50); do list1 | grep -qx 'l2 Stopped 102 - - default' && exit 0; sleep 0.1; done; exit 1"
lxc move l1 l3 >/dev/null
expect "a rename shows" bash -c "[ \"\$(list1 | awk '{print \$1}' | tr '\n' ' ')\" = 'l2 l3 ' ]"
"$DAEMON" sql global "UPDATE instances SET description = 'by sql' WHERE name = 'l3'" >/dev/null
expect "raw SQL shows" bash -c "list1 | grep -qx 'l3 Stopped 102 by sql - default'"
lxc project create p1 -c features.images=false -c features.profiles=false >/dev/null; lxc init bb q1 --project p1 >/dev/null 2>&1
expect "projects are kept apart" bash -c "[ \"\$(list1 p1 | awk '{print \$1, \$6}')\" = 'q1 p1' ] && ! list1 | grep -q q1"
expect "all-projects joins them" bash -c "[ \"\$(api GET '/1.0/instances?recursion=1&all-projects=true' | python3 -c 'import json,sys; print(sorted(i[\"name\"] for i in json.load(sys.stdin)[\"metadata\"]))')\" = \"['l2', 'l3', 'q1']\" ]"
lxc delete l3 >/dev/null
expect "a delete shows" bash -c "[ \"\$(list1 | awk '{print \$1}')\" = l2 ]"
expect "a filter still works" bash -c "[ \"\$(api GET '/1.0/instances?recursion=1&filter=name+eq+l2' | python3 -c 'import json,sys; print([i[\"name\"] for i in json.load(sys.stdin)[\"metadata\"]])')\" = \"['l2']\" ]"
lxc delete -f l2 >/dev/null
lxc delete q1 --project p1 >/dev/null 2>&1
expect "an empty list is []" bash -c "api GET '/1.0/instances?recursion=1' | grep -q '\"metadata\":\[\]'"
lxc project delete p1 >/dev/null 2>&1
lxc image delete bb >/dev/null 2>&1
