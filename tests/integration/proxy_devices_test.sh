#!/bin/bash
# Proxy devices (forwarder mode): tcp->tcp and unix->tcp from the host into a container,
# bind=instance from the container to the host, listeners that follow device add/remove on a
# running container, its stop and start, and a daemon restart; refusals that change nothing.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
HP=$((47000 + $$ % 900)) HOSTSRV=$((48000 + $$ % 900))
export HP HOSTSRV
trap 'kill $HTTP_PID 2>/dev/null; lxc delete -f px1 >/dev/null 2>&1; finish' EXIT
start_daemon
setup_base

listening() { ss -Hltn "sport = :$1" | grep -q .; }
export -f listening
serve_in_ct() { lxc exec px1 -- sh -c 'mkdir -p /www && echo hello-proxy > /www/index.html && httpd -p 127.0.0.1:8080 -h /www'; }

lxc launch bb px1 >/dev/null
serve_in_ct
mkdir -p "$WORK/www" && echo hello-host > "$WORK/www/host.txt"
(cd "$WORK/www" && exec python3 -m http.server --bind 127.0.0.1 $HOSTSRV >/dev/null 2>&1) & HTTP_PID=$!

expect udp-refused bash -c "! lxc config device add px1 u proxy listen=udp:127.0.0.1:$HP connect=udp:127.0.0.1:53 2>$WORK/err; grep -q 'udp proxies are not supported' $WORK/err && ! lxc config show px1 | grep -q 'u:'"
expect nat-refused bash -c "! lxc config device add px1 n proxy listen=tcp:127.0.0.1:$HP connect=tcp:127.0.0.1:80 nat=true 2>/dev/null && ! listening $HP"

expect tcp-add lxc config device add px1 web proxy listen=tcp:127.0.0.1:$HP connect=tcp:127.0.0.1:8080
expect tcp-forwards bash -c "curl -sf http://127.0.0.1:$HP/ | grep -qx hello-proxy"
expect unix-add lxc config device add px1 sock proxy listen=unix:$WORK/px.sock connect=tcp:127.0.0.1:8080 mode=0600
expect unix-forwards bash -c "curl -sf --unix-socket $WORK/px.sock http://x/ | grep -qx hello-proxy && stat -c %a $WORK/px.sock | grep -qx 600"
expect bind-instance-add lxc config device add px1 back proxy bind=instance listen=tcp:127.0.0.1:9090 connect=tcp:127.0.0.1:$HOSTSRV
expect bind-instance-forwards bash -c "lxc exec px1 -- wget -qO- http://127.0.0.1:9090/host.txt | grep -qx hello-host"
expect busy-port-refused bash -c "! lxc config device add px1 dup proxy listen=tcp:127.0.0.1:$HP connect=tcp:127.0.0.1:8080 2>/dev/null && ! lxc config show px1 | grep -q 'dup:' && curl -sf http://127.0.0.1:$HP/ | grep -qx hello-proxy"

expect remove-closes bash -c "lxc config device remove px1 web && ! listening $HP && ! curl -sf http://127.0.0.1:$HP/"
expect unix-remove-closes bash -c "lxc config device remove px1 sock && [ ! -e $WORK/px.sock ]"
lxc config device add px1 web proxy listen=tcp:127.0.0.1:$HP connect=tcp:127.0.0.1:8080 >/dev/null
expect stop-closes bash -c "lxc stop -f px1 && ! listening $HP"
expect start-listens bash -c "lxc start px1 && listening $HP"
serve_in_ct
expect daemon-restart bash -c "kill -TERM $DAEMON_PID; while kill -0 $DAEMON_PID 2>/dev/null; do sleep 0.2; done; ! listening $HP"
start_daemon
expect listens-after-restart bash -c "for i in \$(seq 1 50); do curl -sf http://127.0.0.1:$HP/ | grep -qx hello-proxy && exit 0; sleep 0.2; done; exit 1"
