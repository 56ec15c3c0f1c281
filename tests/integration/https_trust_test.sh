#!/bin/bash
# Trust over HTTPS beyond the password: the untrusted gate on every route the router has,
# certificate add tokens with the real client, restricted certificates, PKI mode (server.ca,
# core.trust_ca_certificates, ca.crl), CORS, and guessing slowed down.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon

port=$((20000 + RANDOM % 20000))
url=https://127.0.0.1:$port
api PATCH /1.0 "{\"config\":{\"core.https_address\":\"127.0.0.1:$port\"}}" >/dev/null

newcert() { # newcert NAME : a self-signed client certificate, as `lxc remote add` makes one
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 30 -subj "/CN=$1" \
    -keyout "$WORK/$1.key" -out "$WORK/$1.crt" 2>/dev/null
}
fp_of() { openssl x509 -in "$WORK/$1.crt" -outform der | sha256sum | cut -d' ' -f1; }
as() { local who=$1; shift; curl -sk --max-time 10 --cert "$WORK/$who.crt" --key "$WORK/$who.key" "$@"; }
code_as() { local who=$1; shift; curl -sk -o /dev/null -w '%{http_code}' --max-time 10 --cert "$WORK/$who.crt" --key "$WORK/$who.key" "$@"; }
code() { curl -sk -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
export -f as code_as code
export WORK url

# --- The untrusted gate, on every route the router knows (not a hand-made list).
newcert stranger
api GET /internal/routes | jq -r '.metadata[] | select(.public | not) | "\(.method) \(.path)"' >"$WORK/routes"
expect routes-listed bash -c "[ \$(wc -l <'$WORK/routes') -gt 40 ]"
bad=
while read -r method path; do
  [[ $method == HEAD ]] && continue  # curl's HEAD has no body to read the status from alike
  concrete=$(sed -E 's/\{[^}]+\}/x/g' <<<"$path")
  for who in none stranger; do
    if [[ $who == none ]]; then c=$(code -X "$method" -d '{}' "$url$concrete")
    else c=$(code_as stranger -X "$method" -d '{}' "$url$concrete"); fi
    [[ $c == 403 ]] || bad+="$who:$method $concrete=$c "
  done
done <"$WORK/routes"
expect "untrusted-403-on-every-private-route" bash -c "[ -z '$bad' ] || { echo '$bad'; false; }"

# --- Certificate add tokens with the real client.
export LXD_CONF=$WORK/admin
expect token-issued bash -c "lxc config trust add --name tok1 >'$WORK/tok1.out' 2>&1 && tail -n1 '$WORK/tok1.out' | base64 -d | jq -e '.client_name == \"tok1\" and (.secret | length) == 64 and .addresses == [\"127.0.0.1:$port\"]'"
token=$(tail -n1 "$WORK/tok1.out")
expect token-listed bash -c "lxc config trust list-tokens --format csv | grep -q '^tok1,'"
expect token-op-is-token-class bash -c "api GET '/1.0/operations?recursion=1' | jq -e '[.metadata.running[] | select(.class == \"token\")] | length == 1'"
expect token-remote-add bash -c "LXD_CONF='$WORK/c1' lxc remote add srv '$token'"
expect token-client-lists bash -c "LXD_CONF='$WORK/c1' lxc list srv: --format csv"
expect token-client-trusted bash -c "LXD_CONF='$WORK/c1' lxc query srv:/1.0 | jq -e '.auth == \"trusted\"'"
expect token-cert-named bash -c "api GET '/1.0/certificates?recursion=1' | jq -e '[.metadata[] | select(.name == \"tok1\")] | length == 1'"
expect token-used-up bash -c "! LXD_CONF='$WORK/c2' lxc remote add srv '$token'"
expect token-gone-from-list bash -c "! lxc config trust list-tokens --format csv | grep -q '^tok1,'"
expect token-secret-not-logged bash -c "! grep -q \"\$(tail -n1 '$WORK/tok1.out' | base64 -d | jq -r .secret)\" '$WORK/daemon.log'"
lxc config trust add --name tok2 >"$WORK/tok2.out" 2>&1
expect token-revoked bash -c "lxc config trust revoke-token tok2 && ! lxc config trust list-tokens --format csv | grep -q '^tok2,'"
expect revoked-token-refused bash -c "! LXD_CONF='$WORK/c2' lxc remote add srv '$(tail -n1 "$WORK/tok2.out")'"
c1fp=$(openssl x509 -in "$WORK/c1/client.crt" -outform der | sha256sum | cut -d' ' -f1)
lxc config trust remove "$c1fp" >/dev/null 2>&1
expect removed-client-refused-next-request bash -c "! LXD_CONF='$WORK/c1' lxc list srv: --format csv"
expect untrusted-cannot-make-tokens bash -c "[ \$(code_as stranger -d '{\"token\":true,\"name\":\"x\"}' $url/1.0/certificates) = 403 ]"

# --- Restricted certificates: only their projects, nothing server-wide, not their own limits.
api POST /1.0/projects '{"name":"p1","config":{"features.profiles":"true"}}' >/dev/null
api POST /1.0/projects '{"name":"p2","config":{"features.profiles":"true"}}' >/dev/null
newcert limited
rfp=$(fp_of limited)
der=$(openssl x509 -in "$WORK/limited.crt" -outform der | base64 -w0)
expect restricted-added bash -c "[ \$(status_of POST /1.0/certificates '{\"type\":\"client\",\"name\":\"limited\",\"certificate\":\"$der\",\"restricted\":true,\"projects\":[\"p1\"]}') = 201 ]"
expect restricted-sees-own-project bash -c "as limited $url/1.0/projects | jq -e '.metadata == [\"/1.0/projects/p1\"]'"
expect restricted-reads-own-project bash -c "[ \$(code_as limited $url/1.0/projects/p1) = 200 ]"
expect restricted-lists-own-instances bash -c "[ \$(code_as limited '$url/1.0/instances?project=p1') = 200 ]"
expect restricted-creates-in-own bash -c "[ \$(code_as limited -X POST -d '{\"name\":\"mine\"}' '$url/1.0/profiles?project=p1') = 201 ]"
for p in p2 default nope; do
  expect "restricted-refused-$p-instances" bash -c "[ \$(code_as limited '$url/1.0/instances?project=$p') = 403 ]"
  expect "restricted-refused-$p-profile-create" bash -c "[ \$(code_as limited -X POST -d '{\"name\":\"x\"}' '$url/1.0/profiles?project=$p') = 403 ]"
done
expect restricted-no-oracle bash -c "[ \"\$(as limited $url/1.0/projects/p2)\" = \"\$(as limited $url/1.0/projects/nope)\" ] && [ \"\$(as limited '$url/1.0/profiles/default?project=p2')\" = \"\$(as limited '$url/1.0/profiles/default?project=nope')\" ]"
expect restricted-no-all-projects bash -c "[ \$(code_as limited '$url/1.0/instances?all-projects=true') = 403 ]"
expect restricted-other-untouched bash -c "api GET '/1.0/profiles?project=p2' | jq -e '.metadata == [\"/1.0/profiles/default\"]'"
expect restricted-no-server-config bash -c "[ \$(code_as limited -X PATCH -d '{\"config\":{\"core.trust_password\":\"x\"}}' $url/1.0) = 403 ] && [ \$(code_as limited -X PUT -d '{\"config\":{}}' $url/1.0) = 403 ]"
expect restricted-no-config-view bash -c "as limited $url/1.0 | jq -e '.metadata.auth == \"trusted\" and .metadata.config == {}'"
expect restricted-own-cert-readable bash -c "[ \$(code_as limited $url/1.0/certificates/$rfp) = 200 ]"
expect restricted-cannot-lift-limits bash -c "[ \$(code_as limited -X PATCH -d '{\"restricted\":false}' $url/1.0/certificates/$rfp) = 403 ] && [ \$(code_as limited -X PUT -d '{\"name\":\"l\",\"type\":\"client\",\"restricted\":false,\"projects\":[]}' $url/1.0/certificates/$rfp) = 403 ] && api GET /1.0/certificates/$rfp | jq -e '.metadata.restricted'"
expect restricted-cannot-enrol-others bash -c "[ \$(code_as limited -d '{\"type\":\"client\",\"certificate\":\"$(openssl x509 -in "$WORK/stranger.crt" -outform der | base64 -w0)\"}' $url/1.0/certificates) = 403 ]"
expect restricted-no-token bash -c "[ \$(code_as limited -d '{\"token\":true,\"name\":\"x\"}' $url/1.0/certificates) = 403 ]"
lxc config trust add --name tok3 >/dev/null 2>&1
expect restricted-sees-no-tokens bash -c "api GET '/1.0/operations?recursion=1' | jq -e '.metadata.running | length > 0' && as limited '$url/1.0/operations?recursion=1&project=p1' | jq -e '[.metadata[]?[]? | select(.class == \"token\")] | length == 0'"
lxc config trust revoke-token tok3 >/dev/null
expect restricted-edit-takes-effect bash -c "[ \$(status_of PATCH /1.0/certificates/$rfp '{\"projects\":[\"p2\"]}') = 200 ] && [ \$(code_as limited '$url/1.0/instances?project=p1') = 403 ] && [ \$(code_as limited '$url/1.0/instances?project=p2') = 200 ]"

expect trust-edit-with-client bash -c "lxc config trust show $rfp | sed 's/^- p2\$/- p1/' | lxc config trust edit $rfp && api GET /1.0/certificates/$rfp | jq -e '.metadata.projects == [\"p1\"] and .metadata.restricted' && [ \$(code_as limited '$url/1.0/instances?project=p1') = 200 ]"

# A restricted token, with the real client: it lands in its only project.
lxc config trust add --name rtok --restricted --projects p1 >"$WORK/rtok.out" 2>&1
expect restricted-token-remote-add bash -c "LXD_CONF='$WORK/c3' lxc remote add r1 '$(tail -n1 "$WORK/rtok.out")'"
expect restricted-token-cert bash -c "api GET '/1.0/certificates?recursion=1' | jq -e '.metadata[] | select(.name == \"rtok\") | .restricted and .projects == [\"p1\"]'"
expect restricted-client-in-its-project bash -c "LXD_CONF='$WORK/c3' lxc project list r1: --format csv >'$WORK/rprojects' && [ \"\$(cut -d, -f1 '$WORK/rprojects')\" = 'p1 (current)' ] && LXD_CONF='$WORK/c3' lxc list r1: --format csv"
expect restricted-client-refused-elsewhere bash -c "! LXD_CONF='$WORK/c3' lxc list r1: --project default && ! LXD_CONF='$WORK/c3' lxc config set r1: core.trust_password x"
expect restricted-client-trust-list-own-only bash -c "[ \"\$(LXD_CONF='$WORK/c3' lxc config trust list r1: --format csv | cut -d, -f2)\" = rtok ]"

# A restricted client at work: launch, exec (websocket), delete, in a project sharing the default
# project's images and profiles.
setup_base
export LXD_CONF=$WORK/admin
api POST /1.0/projects '{"name":"p3","config":{"features.images":"false","features.profiles":"false"}}' >/dev/null
lxc config trust add --name rtok3 --restricted --projects p3 >"$WORK/rtok3.out" 2>&1
LXD_CONF=$WORK/c4 lxc remote add r3 "$(tail -n1 "$WORK/rtok3.out")" >/dev/null 2>&1
expect restricted-client-launches bash -c "LXD_CONF='$WORK/c4' lxc launch r3:bb r3:rc1 && LXD_CONF='$WORK/c4' lxc exec r3:rc1 -- echo hi | grep -qx hi && LXD_CONF='$WORK/c4' lxc delete -f r3:rc1"

# --- PKI mode: server.ca decides which certificates count at all.
ca=$WORK/ca
mkdir -p "$ca" && touch "$ca/index.txt" && echo 01 >"$ca/crlnumber"
cat >"$ca/ca.cnf" <<CNF
[ca]
default_ca = CA_default
[CA_default]
database = $ca/index.txt
crlnumber = $ca/crlnumber
default_md = sha256
default_crl_days = 30
CNF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 30 -subj /CN=it-ca \
  -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign \
  -keyout "$ca/ca.key" -out "$ca/ca.crt" 2>/dev/null
issued() { # issued NAME : a client certificate signed by the test CA
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -subj "/CN=$1" \
    -keyout "$WORK/$1.key" -out "$WORK/$1.csr" 2>/dev/null
  openssl x509 -req -in "$WORK/$1.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial -days 30 \
    -extfile <(echo extendedKeyUsage=clientAuth) -out "$WORK/$1.crt" 2>/dev/null
}
issued pki1
issued pki2
newcert selfie
sder=$(openssl x509 -in "$WORK/selfie.crt" -outform der | base64 -w0)
api POST /1.0/certificates "{\"type\":\"client\",\"name\":\"selfie\",\"certificate\":\"$sder\"}" >/dev/null
expect selfie-trusted-before-pki bash -c "as selfie $url/1.0 | jq -e '.metadata.auth == \"trusted\"'"
cp "$ca/ca.crt" "$LXD_DIR/server.ca"
expect pki-refuses-stored-foreign-cert bash -c "[ \$(code_as selfie $url/1.0/instances) = 403 ]"
expect pki-issued-not-trusted-yet bash -c "as pki1 $url/1.0 | jq -e '.metadata.auth == \"untrusted\"'"
expect pki-foreign-cannot-enrol bash -c "api PATCH /1.0 '{\"config\":{\"core.trust_password\":\"pkipass\"}}' >/dev/null && [ \$(code_as stranger -d '{\"type\":\"client\",\"password\":\"pkipass\"}' $url/1.0/certificates) = 403 ]"
expect pki-trust-ca-certificates bash -c "[ \$(status_of PATCH /1.0 '{\"config\":{\"core.trust_ca_certificates\":\"true\"}}') = 200 ] && as pki1 $url/1.0 | jq -e '.metadata.auth == \"trusted\"' && [ \$(code_as pki2 $url/1.0/instances) = 200 ]"
openssl ca -config "$ca/ca.cnf" -keyfile "$ca/ca.key" -cert "$ca/ca.crt" -revoke "$WORK/pki1.crt" >/dev/null 2>&1
openssl ca -config "$ca/ca.cnf" -keyfile "$ca/ca.key" -cert "$ca/ca.crt" -gencrl -out "$LXD_DIR/ca.crl" >/dev/null 2>&1
expect crl-revokes bash -c "[ \$(code_as pki1 $url/1.0/instances) = 403 ] && [ \$(code_as pki2 $url/1.0/instances) = 200 ]"
expect pki-off-again bash -c "rm '$LXD_DIR/server.ca' '$LXD_DIR/ca.crl' && as selfie $url/1.0 | jq -e '.metadata.auth == \"trusted\"' && as pki2 $url/1.0 | jq -e '.metadata.auth == \"untrusted\"'"

# --- CORS from core.https_allowed_*; preflights answered.
api PATCH /1.0 '{"config":{"core.https_allowed_origin":"https://ui.example","core.https_allowed_methods":"GET, POST","core.https_allowed_headers":"Content-Type","core.https_allowed_credentials":"true"}}' >/dev/null
expect cors-headers bash -c "curl -sk -D - -o /dev/null -H 'Origin: https://ui.example' $url/1.0 | tr -d '\r' | grep -qx 'Access-Control-Allow-Origin: https://ui.example'"
expect cors-preflight bash -c "curl -sk -D - -o /dev/null -X OPTIONS -H 'Origin: https://ui.example' $url/1.0/instances | tr -d '\r' >'$WORK/pre' && grep -q '^HTTP/1.1 200' '$WORK/pre' && grep -qx 'Access-Control-Allow-Methods: GET, POST' '$WORK/pre' && grep -qx 'Access-Control-Allow-Headers: Content-Type' '$WORK/pre' && grep -qx 'Access-Control-Allow-Credentials: true' '$WORK/pre'"
expect cors-only-for-browsers bash -c "! curl -sk -D - -o /dev/null $url/1.0 | grep -qi 'Access-Control-Allow-Origin'"
expect cors-bad-credentials-value bash -c "[ \$(status_of PATCH /1.0 '{\"config\":{\"core.https_allowed_credentials\":\"maybe\"}}') = 400 ]"

# --- 100 wrong passwords in a row: only the first few are even checked.
api PATCH /1.0 '{"config":{"core.trust_password":"right-one"}}' >/dev/null
newcert guesser
for i in $(seq 1 100); do code_as guesser -d "{\"type\":\"client\",\"password\":\"guess$i\"}" "$url/1.0/certificates"; echo; done >"$WORK/guesses"
expect guessing-slowed-down bash -c "[ \$(grep -c 403 '$WORK/guesses') -le 10 ] && [ \$(grep -c 429 '$WORK/guesses') -ge 90 ]"
# Right after a guess that was checked (and so locked the address out afresh), even the right
# password waits.
guess_until_checked() {
  until [ "$(code_as guesser -d '{"type":"client","password":"again"}' "$url/1.0/certificates")" = 403 ]; do sleep 0.2; done
}
export -f guess_until_checked
expect right-password-waits-too bash -c "timeout 90 bash -c guess_until_checked && [ \$(code_as guesser -d '{\"type\":\"client\",\"password\":\"right-one\"}' $url/1.0/certificates) = 429 ]"

# --- PROXY protocol: a listed proxy's header names the client, whose address is then throttled.
cat >"$WORK/proxied.py" <<'PY'
import socket, ssl, struct, sys
port, version, source, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
if version == "1":
    s.sendall(b"PROXY TCP4 %s 127.0.0.1 40000 %d\r\n" % (source.encode(), port))
elif version == "2":
    addrs = socket.inet_aton(source) + socket.inet_aton("127.0.0.1") + struct.pack("!HH", 40000, port)
    s.sendall(b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x11]) + struct.pack("!H", len(addrs)) + addrs)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.load_cert_chain(cert, key)
t = ctx.wrap_socket(s)
body = b'{"type":"client","password":"proxied-guess"}'
t.sendall(b"POST /1.0/certificates HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
print(t.recv(4096).split(b"\r\n")[0].split(b" ")[1].decode())
PY
newcert proxied
proxied() { python3 "$WORK/proxied.py" "$port" "$1" "$2" "$WORK/proxied.crt" "$WORK/proxied.key" 2>&1; }
export -f proxied
export port
expect proxy-list-validated bash -c "[ \$(status_of PATCH /1.0 '{"config":{"core.https_trusted_proxy":"not-an-ip"}}') = 400 ]"
expect proxy-header-refused-from-unlisted bash -c "! proxied 1 198.18.7.7 | grep -qx 403"
api PATCH /1.0 '{"config":{"core.https_trusted_proxy":"198.18.255.254, 127.0.0.1"}}' >/dev/null
expect proxy-v1-source-used bash -c "[ \$(proxied 1 198.18.7.7) = 403 ] && grep -q 'from 198.18.7.7' '$WORK/daemon.log'"
expect proxy-v2-source-used bash -c "[ \$(proxied 2 198.18.7.8) = 403 ] && grep -q 'from 198.18.7.8' '$WORK/daemon.log'"
expect proxy-without-header-still-works bash -c "proxied 0 - | grep -qxE '403|429'"
expect proxied-sources-throttled-apart bash -c "for i in \$(seq 1 10); do proxied 1 198.18.7.9; done | grep -qx 429 && [ \$(proxied 1 198.18.7.10) = 403 ]"

expect passwords-not-stored bash -c "! grep -rqaE 'right-one|pkipass|guess1' '$LXD_DIR/database'"
expect passwords-not-logged bash -c "! grep -qaE 'right-one|pkipass|guess1' '$WORK/daemon.log'"
