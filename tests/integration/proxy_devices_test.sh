#!/bin/bash
# Proxy devices: tcp->tcp and unix->tcp from the host into a container, bind=instance from the
# container to the host, udp->udp with a session per peer, port ranges, the PROXY v2 header
# (proxy_protocol=true) as a server in the container receives it, the ids of the connection to a
# unix socket in the container (security.uid/gid), listeners that follow device add/change/remove
# on a running container, its stop, a halt inside it and its start, and a daemon restart; nat=true as DNAT
# rules to the container's static address on a managed bridge (198.18.92.0/24), gone with the
# device and the stop; refusals that change nothing.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
HP=$((47000 + $$ % 900)) HOSTSRV=$((48000 + $$ % 900)) UP=$((49000 + $$ % 900)) RP=$((50000 + $$ % 400)) NP=$((51000 + $$ % 900)) PP=$((52000 + $$ % 900))
BR=lxdppx0
export HP HOSTSRV UP RP NP PP BR
trap 'kill $HTTP_PID 2>/dev/null; lxc delete -f px1 >/dev/null 2>&1; lxc network delete $BR >/dev/null 2>&1; finish' EXIT
start_daemon
setup_base

listening() { ss -Hltn "sport = :$1" | grep -q .; }
export -f listening
serve_in_ct() { lxc exec px1 -- sh -c 'mkdir -p /www && echo hello-proxy > /www/index.html && httpd -p 127.0.0.1:8080 -h /www'; }

lxc launch bb px1 >/dev/null
serve_in_ct
mkdir -p "$WORK/www" && echo hello-host > "$WORK/www/host.txt"
(cd "$WORK/www" && exec python3 -m http.server --bind 127.0.0.1 $HOSTSRV >/dev/null 2>&1) & HTTP_PID=$!

expect udp-to-tcp-refused bash -c "! lxc config device add px1 u proxy listen=udp:127.0.0.1:$UP connect=tcp:127.0.0.1:53 2>$WORK/err; grep -q 'udp proxies only to udp' $WORK/err && ! lxc config show px1 | grep -q 'u:'"
expect port-count-refused bash -c "! lxc config device add px1 r proxy listen=tcp:127.0.0.1:$RP-$((RP + 2)) connect=tcp:127.0.0.1:80-81 2>$WORK/err; grep -q 'give one, or as many' $WORK/err"
expect bad-range-refused bash -c "! lxc config device add px1 r proxy listen=tcp:127.0.0.1:$((RP + 2))-$RP connect=tcp:127.0.0.1:80 2>$WORK/err; grep -q 'ends before it starts' $WORK/err"
expect proxy-protocol-unix-refused bash -c "! lxc config device add px1 p proxy listen=tcp:127.0.0.1:$HP connect=unix:/tmp/x.sock proxy_protocol=true 2>$WORK/err; grep -q 'only be sent to tcp' $WORK/err"
expect nat-without-nic-refused bash -c "! lxc config device add px1 n proxy listen=tcp:198.18.92.1:$HP connect=tcp:0.0.0.0:80 nat=true 2>$WORK/err && grep -q 'no NIC has 0.0.0.0' $WORK/err && ! listening $HP"

expect tcp-add lxc config device add px1 web proxy listen=tcp:127.0.0.1:$HP connect=tcp:127.0.0.1:8080
expect tcp-forwards bash -c "curl -sf http://127.0.0.1:$HP/ | grep -qx hello-proxy"
expect unix-add lxc config device add px1 sock proxy listen=unix:$WORK/px.sock connect=tcp:127.0.0.1:8080 mode=0600
expect unix-forwards bash -c "curl -sf --unix-socket $WORK/px.sock http://x/ | grep -qx hello-proxy && stat -c %a $WORK/px.sock | grep -qx 600"
expect bind-instance-add lxc config device add px1 back proxy bind=instance listen=tcp:127.0.0.1:9090 connect=tcp:127.0.0.1:$HOSTSRV
expect bind-instance-forwards bash -c "lxc exec px1 -- wget -qO- http://127.0.0.1:9090/host.txt | grep -qx hello-host"
expect busy-port-refused bash -c "! lxc config device add px1 dup proxy listen=tcp:127.0.0.1:$HP connect=tcp:127.0.0.1:8080 2>/dev/null && ! lxc config show px1 | grep -q 'dup:' && curl -sf http://127.0.0.1:$HP/ | grep -qx hello-proxy"

# udp: a static echo server in the container (busybox has none), a datagram per peer each way.
cc -static -O1 -o "$WORK/udp_echo" "$here/udp_echo.c"
lxc file push "$WORK/udp_echo" px1/bin/udp_echo --mode 0755 >/dev/null
lxc exec px1 -- udp_echo 127.0.0.1 7777
udp_ask() { # udp_ask PORT TEXT...: each TEXT from a socket of its own, the replies in order
  python3 - "$@" <<'PY'
import socket, sys
port = int(sys.argv[1])
socks = []
for text in sys.argv[2:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
    s.sendto(text.encode(), ("127.0.0.1", port)); socks.append(s)
for s in socks:
    print(s.recv(2048).decode())
PY
}
export -f udp_ask
expect udp-add lxc config device add px1 udp proxy listen=udp:127.0.0.1:$UP connect=udp:127.0.0.1:7777
expect udp-forwards bash -c "udp_ask $UP hello-udp | grep -qx echo:hello-udp"
expect udp-peers-apart bash -c "udp_ask $UP one two three | tr '\n' ' ' | grep -qx 'echo:one echo:two echo:three '"
expect udp-remove-closes bash -c "lxc config device remove px1 udp && ! ss -Hlun 'sport = :$UP' | grep -q . && ! udp_ask $UP gone"

# security.uid/gid: the connection into the container is made with the container's own ids, root
# unless they are set; a socket only its owner (1000) may use serves only those ids.
cc -static -O1 -o "$WORK/unix_peercred" "$here/unix_peercred.c"
lxc file push "$WORK/unix_peercred" px1/bin/unix_peercred --mode 0755 >/dev/null
lxc exec px1 -- sh -c 'mkdir -p /run/cred && chown 1000:1000 /run/cred && unix_peercred /run/cred/s.sock 1000 1000'
unix_ask() { python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1]); print(s.recv(100).decode().strip())' "$1"; }
export -f unix_ask
expect cred-default-root bash -c "lxc config device add px1 cred proxy listen=unix:$WORK/cred.sock connect=unix:/run/cred/s.sock && unix_ask $WORK/cred.sock | grep -qx 'uid=0 gid=0'"
expect cred-owner bash -c "lxc config device set px1 cred security.uid=1000 security.gid=1000 && unix_ask $WORK/cred.sock | grep -qx 'uid=1000 gid=1000'"
expect cred-other-refused bash -c "lxc config device set px1 cred security.uid=2000 security.gid=2000 && [ -z \"\$(unix_ask $WORK/cred.sock)\" ] && grep -q 'cannot connect to unix:/run/cred/s.sock: Permission denied' $WORK/daemon.log"
expect cred-unmapped-refused bash -c "! lxc config device set px1 cred security.uid=4294967294 2>$WORK/err && grep -q 'has no id on the host' $WORK/err && lxc config device get px1 cred security.uid | grep -qx 2000"
lxc config device remove px1 cred >/dev/null

expect range-add lxc config device add px1 range proxy listen=tcp:127.0.0.1:$RP-$((RP + 1)),$((RP + 3)) connect=tcp:127.0.0.1:8080
expect range-forwards bash -c "for p in $RP $((RP + 1)) $((RP + 3)); do curl -sf http://127.0.0.1:\$p/ | grep -qx hello-proxy || exit 1; done && ! listening $((RP + 2))"
expect range-remove-closes bash -c "lxc config device remove px1 range && ! listening $RP && ! listening $((RP + 3))"

# proxy_protocol: busybox nc in the container keeps what arrives, the PROXY v2 header first.
lxc exec px1 -- sh -c 'nc -l -p 8081 >/tmp/pp </dev/null 2>&1 &'
expect proxy-protocol-add lxc config device add px1 pp proxy listen=tcp:127.0.0.1:$PP connect=tcp:127.0.0.1:8081 proxy_protocol=true
pp_send() { python3 -c 'import socket, sys; s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(5); s.sendall(b"hello-pp"); s.shutdown(socket.SHUT_WR); s.recv(1)' "$1"; }
pp_check() { # pp_check FILE PORT: a PROXY v2 header from 127.0.0.1 to PORT, then the data
  python3 - "$@" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:12] == b"\r\n\r\n\x00\r\nQUIT\n", d
assert d[12] == 0x21 and d[13] == 0x11 and struct.unpack(">H", d[14:16])[0] == 12, d
assert d[16:20] == bytes([127, 0, 0, 1]) and struct.unpack(">H", d[26:28])[0] == int(sys.argv[2]), d
assert d[28:] == b"hello-pp", d
PY
}
export -f pp_send pp_check
expect proxy-protocol-header bash -c "pp_send $PP &&
  for i in \$(seq 1 25); do lxc exec px1 -- grep -q hello-pp /tmp/pp && break; sleep 0.2; done &&
  lxc file pull px1/tmp/pp $WORK/pp && pp_check $WORK/pp $PP"
lxc config device remove px1 pp >/dev/null

expect remove-closes bash -c "lxc config device remove px1 web && ! listening $HP && ! curl -sf http://127.0.0.1:$HP/"
expect unix-remove-closes bash -c "lxc config device remove px1 sock && [ ! -e $WORK/px.sock ]"
lxc config device add px1 web proxy listen=tcp:127.0.0.1:$HP connect=tcp:127.0.0.1:8080 >/dev/null
expect stop-closes bash -c "lxc stop -f px1 && ! listening $HP"
expect start-listens bash -c "lxc start px1 && listening $HP"
serve_in_ct
# A change of listen moves the listener.
expect change-moves-listener bash -c "lxc config device set px1 web listen=tcp:127.0.0.1:$((HP + 1)) && ! listening $HP && curl -sf http://127.0.0.1:$((HP + 1))/ | grep -qx hello-proxy && lxc config device set px1 web listen=tcp:127.0.0.1:$HP && ! listening $((HP + 1)) && listening $HP"
# Halted from inside, the container takes its listeners with it; they come back with its start.
expect halt-inside-closes bash -c "lxc exec px1 -- halt; for i in \$(seq 1 100); do listening $HP || break; sleep 0.2; done; ! listening $HP && lxc list px1 -c s --format csv | grep -qx STOPPED"
expect start-after-halt bash -c "lxc start px1 && listening $HP"
serve_in_ct
expect forwards-after-halt bash -c "curl -sf http://127.0.0.1:$HP/ | grep -qx hello-proxy"
expect daemon-restart bash -c "kill -TERM $DAEMON_PID; while kill -0 $DAEMON_PID 2>/dev/null; do sleep 0.2; done; ! listening $HP"
start_daemon
expect listens-after-restart bash -c "for i in \$(seq 1 50); do curl -sf http://127.0.0.1:$HP/ | grep -qx hello-proxy && exit 0; sleep 0.2; done; exit 1"

# nat=true: DNAT from an address of the host to the container's static address on a managed bridge.
lxc network create $BR ipv4.address=198.18.92.1/24 ipv4.nat=false ipv6.address=none >/dev/null
lxc config device add px1 eth0 nic network=$BR ipv4.address=198.18.92.2 >/dev/null
lxc restart -f px1
lxc exec px1 -- sh -c 'ip addr add 198.18.92.2/24 dev eth0 && mkdir -p /www && echo hello-nat > /www/index.html && httpd -p 8082 -h /www'
nat_table() { nft list table ip lxdpp_proxy_default_px1.nat 2>/dev/null; }
export -f nat_table
expect nat-wildcard-listen-refused bash -c "! lxc config device add px1 n proxy listen=tcp:0.0.0.0:$NP connect=tcp:0.0.0.0:8082 nat=true 2>$WORK/err; grep -q 'needs an IP address of the host' $WORK/err"
expect nat-foreign-connect-refused bash -c "! lxc config device add px1 n proxy listen=tcp:198.18.92.1:$NP connect=tcp:198.18.92.9:8082 nat=true 2>$WORK/err; grep -q 'no NIC has 198.18.92.9' $WORK/err"
expect nat-proxy-protocol-refused bash -c "! lxc config device add px1 n proxy listen=tcp:198.18.92.1:$NP connect=tcp:0.0.0.0:8082 nat=true proxy_protocol=true 2>$WORK/err; grep -q 'cannot be sent with nat=true' $WORK/err && ! nat_table"
expect nat-add lxc config device add px1 nat proxy listen=tcp:198.18.92.1:$NP connect=tcp:0.0.0.0:8082 nat=true
expect nat-rules bash -c "nft list ruleset | grep -q 'ip daddr 198.18.92.1 tcp dport $NP dnat to 198.18.92.2:8082' && nat_table | grep -q 'chain prert.default_px1.nat' && ! listening $NP"
expect nat-forwards bash -c "curl -sf --max-time 5 http://198.18.92.1:$NP/ | grep -qx hello-nat"
expect nat-remove-clears bash -c "lxc config device remove px1 nat && ! nat_table && ! curl -sf --max-time 2 http://198.18.92.1:$NP/"
lxc config device add px1 nat proxy listen=tcp:198.18.92.1:$NP connect=tcp:198.18.92.2:8082 nat=true >/dev/null
expect nat-stop-clears bash -c "nat_table >/dev/null && lxc stop -f px1 && ! nat_table"
expect nat-start-restores bash -c "lxc start px1 && nat_table | grep -q 'dnat to 198.18.92.2:8082'"
