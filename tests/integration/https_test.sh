#!/bin/bash
# The remote API over HTTPS: TLS policy, the untrusted gate, enrolment, removal, password storage.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon

port=$((20000 + RANDOM % 20000))
url=https://127.0.0.1:$port
# A client certificate of our own, as `lxc remote add` makes one.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 30 -subj /CN=it-client \
  -keyout "$WORK/client.key" -out "$WORK/client.crt" 2>/dev/null
anon() { curl -sk --max-time 10 "$@"; }
mine() { curl -sk --max-time 10 --cert "$WORK/client.crt" --key "$WORK/client.key" "$@"; }
code() { curl -sk -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
export -f anon mine code
export WORK url

expect server-cert-made bash -c "[ \$(stat -c %a '$LXD_DIR/server.key') = 600 ] && openssl x509 -in '$LXD_DIR/server.crt' -noout -text | grep -q 'NIST CURVE: P-384'"
expect cert-in-environment bash -c "api GET /1.0 | grep -q '\"certificate_fingerprint\":\"$(openssl x509 -in "$LXD_DIR/server.crt" -outform der | sha256sum | cut -d' ' -f1)\"'"
expect listen bash -c "[ \$(status_of PATCH /1.0 '{\"config\":{\"core.https_address\":\"127.0.0.1:$port\"}}') = 200 ]"
expect bad-address-refused bash -c "[ \$(status_of PATCH /1.0 '{\"config\":{\"core.https_address\":\"[nope\"}}') = 400 ]"
expect still-listening bash -c "anon $url/1.0 | grep -q '\"auth\":\"untrusted\"'"
expect untrusted-no-environment bash -c "! anon $url/1.0 | grep -q environment"
for route in /1.0/instances /1.0/containers /1.0/storage-pools /1.0/profiles \
  /1.0/operations /1.0/projects /1.0/certificates /1.0/events /1.0/instances/x/logs \
  /1.0/profiles/default /1.0/projects/default /internal/ready; do
  expect "untrusted-403 GET $route" bash -c "[ \$(code $url$route) = 403 ]"
done
# Images are the exception, as upstream: an untrusted caller (another server pulling an image)
# sees the public ones only, and there are none here.
expect "untrusted sees no private image" bash -c "anon $url/1.0/images | grep -q '\"metadata\":\[\]' && anon $url/1.0/images/aliases | grep -q '\"metadata\":\[\]'"
for req in "PUT /1.0" "PATCH /1.0" "POST /1.0/instances" "DELETE /1.0/profiles/default" "POST /1.0/profiles" \
  "PUT /internal/shutdown"; do
  expect "untrusted-403 $req" bash -c "[ \$(code -X ${req% *} -d '{}' $url${req#* }) = 403 ]"
done
expect tls-1.1-refused bash -c "! curl -sk --max-time 10 --tls-max 1.1 $url/1.0"
expect rsa-kx-cipher-refused bash -c "! curl -sk --max-time 10 --tls-max 1.2 --ciphers AES256-SHA $url/1.0"
expect cbc-cipher-refused bash -c "! curl -sk --max-time 10 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES256-SHA $url/1.0"
expect tls-1.3-works bash -c "curl -sk --max-time 10 --tlsv1.3 $url/1.0 >/dev/null"

expect no-password-no-enrolment bash -c "[ \$(code --cert $WORK/client.crt --key $WORK/client.key -d '{\"type\":\"client\",\"password\":\"x\"}' $url/1.0/certificates) = 403 ]"
expect set-password bash -c "[ \$(status_of PATCH /1.0 '{\"config\":{\"core.trust_password\":\"sekret\"}}') = 200 ]"
expect password-hidden bash -c "api GET /1.0 | grep -q '\"core.trust_password\":\"true\"'"
expect wrong-password-refused bash -c "[ \$(code --cert $WORK/client.crt --key $WORK/client.key -d '{\"type\":\"client\",\"password\":\"wrong\"}' $url/1.0/certificates) = 403 ]"
expect no-cert-refused bash -c "[ \$(code -d '{\"type\":\"client\",\"password\":\"sekret\"}' $url/1.0/certificates) = 403 ]"
expect right-password-accepted bash -c "[ \$(code --cert $WORK/client.crt --key $WORK/client.key -d '{\"type\":\"client\",\"password\":\"sekret\",\"name\":\"itc\"}' $url/1.0/certificates) = 201 ]"
expect trusted-now bash -c "mine $url/1.0 | grep -q '\"auth\":\"trusted\"'"
expect trusted-lists bash -c "mine $url/1.0/instances | grep -q '\"status_code\":200'"
expect trust-list bash -c "api GET '/1.0/certificates?recursion=1' | grep -q '\"name\":\"itc\"'"
fp=$(openssl x509 -in "$WORK/client.crt" -outform der | sha256sum | cut -d' ' -f1)
expect cert-get bash -c "api GET /1.0/certificates/$fp | grep -q '\"type\":\"client\"'"
expect cert-rename bash -c "[ \$(status_of PATCH /1.0/certificates/$fp '{\"name\":\"renamed\"}') = 200 ] && api GET /1.0/certificates/$fp | grep -q renamed"
expect cert-bad-type bash -c "[ \$(status_of PATCH /1.0/certificates/$fp '{\"type\":\"nope\"}') = 400 ]"
expect cert-twice-conflict bash -c "[ \$(code --cert $WORK/client.crt --key $WORK/client.key -d '{\"type\":\"client\"}' $url/1.0/certificates) = 409 ]"
expect cert-delete bash -c "[ \$(status_of DELETE /1.0/certificates/$fp) = 200 ]"
expect removed-refused-at-once bash -c "[ \$(code --cert $WORK/client.crt --key $WORK/client.key $url/1.0/instances) = 403 ]"

# Trusted callers add any certificate, as base64 DER (what `lxc config trust add FILE` sends).
der=$(openssl x509 -in "$WORK/client.crt" -outform der | base64 -w0)
expect add-by-trusted bash -c "[ \$(status_of POST /1.0/certificates '{\"type\":\"client\",\"name\":\"byfile\",\"certificate\":\"$der\"}') = 201 ]"
expect bad-cert-400 bash -c "[ \$(status_of POST /1.0/certificates '{\"type\":\"client\",\"certificate\":\"bm90IGEgY2VydA==\"}') = 400 ]"

# Guessing is slowed down: after repeated failures even the right password waits.
api DELETE "/1.0/certificates/$fp" >/dev/null
for i in $(seq 1 20); do code --cert "$WORK/client.crt" --key "$WORK/client.key" -d '{"type":"client","password":"guess"}' "$url/1.0/certificates" >/dev/null; done
expect guessing-locked-out bash -c "[ \$(code --cert $WORK/client.crt --key $WORK/client.key -d '{\"type\":\"client\",\"password\":\"sekret\"}' $url/1.0/certificates) = 429 ]"

expect password-not-in-db bash -c "! grep -rqa sekret '$LXD_DIR/database'"
expect password-not-logged bash -c "! grep -qa sekret '$WORK/daemon.log'"

# Moving and stopping the listener live; the stored address is served again after a restart.
port2=$((port + 1))
expect move-listener bash -c "[ \$(status_of PATCH /1.0 '{\"config\":{\"core.https_address\":\"127.0.0.1:$port2\"}}') = 200 ] && anon https://127.0.0.1:$port2/1.0 | grep -q untrusted && ! anon $url/1.0"
stop_daemon
start_daemon
expect listener-after-restart bash -c "anon https://127.0.0.1:$port2/1.0 | grep -q untrusted"
expect same-cert-after-restart bash -c "api GET /1.0 | grep -q '\"certificate_fingerprint\":\"$(openssl x509 -in "$LXD_DIR/server.crt" -outform der | sha256sum | cut -d' ' -f1)\"'"
expect stop-listener bash -c "[ \$(status_of PATCH /1.0 '{\"config\":{\"core.https_address\":\"\"}}') = 200 ] && ! anon https://127.0.0.1:$port2/1.0"
