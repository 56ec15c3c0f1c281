#!/bin/bash
# Reliability battery, family T: TLS on the HTTPS listener, with openssl s_client, curl and raw bytes.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon

port=$((20000 + RANDOM % 20000))
api PATCH /1.0 "{\"config\":{\"core.https_address\":\"127.0.0.1:$port\"}}" >/dev/null
export port
# hello ARGS... : one handshake with openssl s_client, its whole transcript on stdout.
hello() { echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" "$@" 2>&1; }
export -f hello

# T-1: anything older than TLS 1.3 gets the protocol_version alert and no HTTP. OpenSSL's client
# refuses TLS 1.0 and 1.1 at its default security level, hence SECLEVEL=0 to offer them at all.
expect "T-1 TLS 1.2 refused with protocol_version" bash -c "hello -tls1_2 | grep -qi 'alert protocol version'"
for v in tls1_1 tls1; do
  expect "T-1 ${v/_/.} refused" bash -c "out=\$(hello -$v -cipher 'DEFAULT@SECLEVEL=0'); ! grep -qE 'Cipher is [A-Z0-9]' <<<\"\$out\" && grep -qiE 'alert protocol version|no protocols available|wrong version' <<<\"\$out\""
done
expect "T-1 curl --tls-max 1.2 refused" bash -c "! curl -sk --max-time 10 --tls-max 1.2 https://127.0.0.1:$port/1.0"
# OpenSSL 3 cannot even build an SSLv3 hello, so it is sent as raw bytes.
expect "T-1 SSLv3 hello refused, no HTTP" python3 - <<'EOF'
import os, socket, struct
body = b"\x03\x00" + os.urandom(32) + b"\x00" + struct.pack(">H", 4) + b"\x00\x2f\x00\x35" + b"\x01\x00"
handshake = b"\x01" + struct.pack(">I", len(body))[1:] + body
record = b"\x16\x03\x00" + struct.pack(">H", len(handshake)) + handshake
s = socket.create_connection(("127.0.0.1", int(os.environ["port"])), timeout=10)
s.sendall(record)
reply = b""
try:
    while chunk := s.recv(4096):
        reply += chunk
except (ConnectionResetError, socket.timeout):
    pass
assert b"HTTP" not in reply, reply
assert reply == b"" or reply[0] == 0x15, reply  # nothing, or an alert record
EOF

# T-2: every TLS 1.3 suite we offer works, always with an (EC)DHE key exchange.
for suite in TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_GCM_SHA256; do
  expect "T-2 $suite" bash -c "out=\$(hello -tls1_3 -ciphersuites $suite); grep -q 'Cipher is $suite' <<<\"\$out\" && grep -qE 'Server Temp Key: (X25519|X448|ECDH)' <<<\"\$out\""
done

# T-3: the generated server key and certificate.
crt=$LXD_DIR/server.crt
expect "T-3 server key is secp384r1" bash -c "openssl x509 -in '$crt' -noout -text | grep -q 'ASN1 OID: secp384r1'"
expect "T-3 server certificate signed with SHA-2" bash -c "openssl x509 -in '$crt' -noout -text | grep -m1 'Signature Algorithm' | grep -qE 'ecdsa-with-SHA(256|384)'"
expect "T-3 server certificate EKU serverAuth" bash -c "openssl x509 -in '$crt' -noout -ext extendedKeyUsage | grep -q 'TLS Web Server Authentication'"
expect "T-3 server.key mode 0600" test "$(stat -c %a "$LXD_DIR/server.key")" = 600

# T-4: plain HTTP, random ClientHellos and half-open handshakes: closed, and the daemon serves on.
expect "T-4 plain HTTP closed without an answer" bash -c "! curl -s --max-time 10 http://127.0.0.1:$port/1.0 | grep -q metadata"
expect "T-4 2000 random-byte hellos" python3 - <<'EOF'
import os, random, socket
for i in range(2000):
    s = socket.create_connection(("127.0.0.1", int(os.environ["port"])), timeout=10)
    junk = os.urandom(random.randint(1, 600))
    if i % 2:  # a record header that claims a handshake, then garbage
        junk = b"\x16\x03\x01" + len(junk).to_bytes(2, "big") + junk
    try:
        s.sendall(junk)
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()
EOF
expect "T-4 half-open handshake closed within 10 s" python3 - <<'EOF'
import os, socket, time
s = socket.create_connection(("127.0.0.1", int(os.environ["port"])), timeout=30)
s.sendall(b"\x16\x03\x01\x02\x00\x01")  # the first bytes of a hello, then silence
t0 = time.time()
try:
    while s.recv(4096):
        pass
except OSError:
    pass
held = time.time() - t0
print(f"closed after {held:.1f} s")
assert held <= 10, held
EOF
expect "T-4 daemon still serves over TLS" bash -c "curl -sk --max-time 10 https://127.0.0.1:$port/1.0 | grep -q '\"auth\":\"untrusted\"'"

# T-5: the real client refuses a token whose fingerprint is not the server's, before it sends the
# secret (the token stays usable: its secret never reached the server).
export LXD_CONF=$WORK/admin
lxc config trust add --name t5 >"$WORK/t5.out" 2>&1
token=$(tail -n1 "$WORK/t5.out")
forged=$(base64 -d <<<"$token" | jq -c '.fingerprint = "'"$(printf 'ab%.0s' {1..32})"'"' | base64 -w0)
expect "T-5 wrong fingerprint refused by the client" bash -c "! LXD_CONF='$WORK/c5' lxc remote add srv '$forged' >'$WORK/t5.err' 2>&1"
expect "T-5 refusal names the fingerprint" grep -qi fingerprint "$WORK/t5.err"
expect "T-5 secret not consumed" bash -c "lxc config trust list-tokens --format csv | grep -q '^t5,'"
lxc config trust revoke-token t5 >/dev/null 2>&1
# T-6 (PKI mode: a trusted certificate the CA did not sign, and a revoked one) runs in
# https_trust_test.sh, which sets up the CA.
echo "T-6 covered by integration_https_trust (pki-* checks)"
