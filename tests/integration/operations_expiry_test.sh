#!/bin/bash
# Finished operations as upstream keeps them: answered (GET, /wait, the list) for 5 s after they
# end, then gone (404, not listed); one still running stays whatever its age. The operations here
# are certificate add tokens: one is revoked (Cancelled), one stays Running.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
# Tokens are issued only by a server listening on the network, as upstream.
api PATCH /1.0 "{\"config\":{\"core.https_address\":\"127.0.0.1:$((20000 + RANDOM % 20000))\"}}" >/dev/null

token_op() { # token_op NAME : the id of a new token's operation
  api POST /1.0/certificates "{\"name\":\"$1\",\"type\":\"client\",\"token\":true}" | jq -r '.operation' | sed 's|.*/||'
}
listed() { api GET /1.0/operations | jq -e --arg id "$1" '[.metadata[]?[]? | select(endswith($id))] | length == 1' >/dev/null; }
export -f listed

kept=$(token_op kept)
gone=$(token_op gone)
expect "a token operation is running" bash -c "api GET /1.0/operations/$gone | jq -e '.metadata.status == \"Running\"'"
api DELETE "/1.0/operations/$gone" >/dev/null
t0=$(date +%s.%N)
expect "a finished operation still answers" bash -c "api GET /1.0/operations/$gone | jq -e '.metadata.status == \"Cancelled\"'"
expect "its /wait still answers" bash -c "api GET '/1.0/operations/$gone/wait?timeout=1' | jq -e '.status_code == 200 and .metadata.status == \"Cancelled\"'"
expect "it is still listed" listed "$gone"
expect "the lxc client lists it" bash -c "LXD_CONF=$WORK/client lxc operation list --format csv | grep -q '$gone'"
# Past 5 s after it ended (the checks above may take long on a loaded machine).
left=$(echo "$t0 + 6 - $(date +%s.%N)" | bc)
[[ $left == -* ]] || sleep "$left"
expect "then it is gone (404)" bash -c "[ \$(status_of GET /1.0/operations/$gone) = 404 ]"
expect "and no longer listed" bash -c "! listed $gone"
expect "nor by the lxc client" bash -c "! LXD_CONF=$WORK/client lxc operation list --format csv | grep -q '$gone'"
expect "a running operation stays" bash -c "listed $kept && [ \$(status_of GET /1.0/operations/$kept) = 200 ]"
api DELETE "/1.0/operations/$kept" >/dev/null
