#!/bin/bash
# Images from image servers: a second daemon of ours as an LXD remote (lxc launch other:ALIAS,
# lxc image copy other:ALIAS local:), a simplestreams tree served over HTTPS (lxc launch
# ss:ALIAS), cached images reused by the next launch, and refused sources that leave nothing.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
trap 'cleanup_with_servers c1 c2 c3 c4' EXIT

# The other server: its own data dir, HTTPS on loopback, two public images and a private one.
other=$WORK/other
start_other_daemon "$other"
port=$OTHER_PORT
sleep 1
"$here/../../scripts/make-busybox-image.sh" "$WORK/bb2.tar.gz"
sleep 1
"$here/../../scripts/make-busybox-image.sh" "$WORK/bbp.tar.gz"
LXD_DIR=$other lxc image import "$WORK/bb.tar.gz" --alias pub --public >/dev/null
LXD_DIR=$other lxc image import "$WORK/bb2.tar.gz" --alias pub2 --public >/dev/null
LXD_DIR=$other lxc image import "$WORK/bbp.tar.gz" --alias priv >/dev/null
fp1=$(sha256sum "$WORK/bb.tar.gz" | cut -d' ' -f1)
fp2=$(sha256sum "$WORK/bb2.tar.gz" | cut -d' ' -f1)
fpp=$(sha256sum "$WORK/bbp.tar.gz" | cut -d' ' -f1)
lxc image delete bb >/dev/null  # the local store starts empty
export fp1 fp2 fpp port WORK

field() { # field FINGERPRINT KEY: a field of the local image, as JSON
  api GET "/1.0/images/$1" | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin)['metadata'].get('$2')))"
}
export -f field

expect "remote add (public, certificate accepted)" lxc remote add other "https://127.0.0.1:$port" --public --accept-certificate
expect "untrusted list shows the public images only" bash -c "lxc image list other: --format csv | grep -c . | grep -qx 2"
expect "launch other:pub" lxc launch other:pub c1
expect "c1 runs" bash -c "lxc list c1 --format csv -c s | grep -q RUNNING"
expect "the image came over and is cached" bash -c "[ \$(field $fp1 cached) = true ]"
expect "cached image auto-updates, with its source" bash -c "[ \$(field $fp1 auto_update) = true ] && field $fp1 update_source | grep -q '\"protocol\": \"lxd\"' && field $fp1 update_source | grep -q '\"alias\": \"pub\"'"
expect "last_used_at set by the launch" bash -c "! field $fp1 last_used_at | grep -q '1970-01-01'"
expect "image list shows it" bash -c "lxc image list --format csv | grep -q ${fp1:0:12}"
# The second launch takes the cached image: it works with the other server paused (sent as
# lxc launch sends it, since the client itself would ask the server for the alias first).
kill -STOP "$OTHER_PID"
expect "second launch uses the cache (server paused)" bash -c "op=\$(api POST /1.0/instances '{\"name\":\"c2\",\"source\":{\"type\":\"image\",\"mode\":\"pull\",\"protocol\":\"lxd\",\"server\":\"https://127.0.0.1:$port\",\"alias\":\"pub\"}}' | jq -r .operation) &&
  timeout 60 curl -s --unix-socket '$LXD_DIR/unix.socket' \"http://lxd\$op/wait?timeout=50\" | jq -e '.metadata.status == \"Success\"'"
kill -CONT "$OTHER_PID"
expect "still one image" bash -c "[ \$(lxc image list --format csv | wc -l) = 1 ]"
expect "image copy other:pub2 local: --alias x" lxc image copy other:pub2 local: --alias x
expect "copied image: alias x, not cached" bash -c "lxc image info x | grep -q ${fp2:0:12} && [ \$(field $fp2 cached) = false ]"
expect "copy by fingerprint" bash -c "lxc image delete x && lxc image copy other:${fp2:0:12} local: && [ \$(field $fp2 cached) = false ]"
expect "a private image is not offered to another server" bash -c "! lxc image copy other:priv local: 2>/dev/null && ! api GET /1.0/images/$fpp | grep -q '\"status_code\":200'"
# Refused before any connection, nothing stored.
bad() { # bad BODY: POST /1.0/images refused (sync 400 or failed operation)
  local reply op
  reply=$(api POST /1.0/images "$1")
  op=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("operation",""))' "$reply")
  [[ -n $op ]] && reply=$(api GET "$op/wait?timeout=50")
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); m=r.get("metadata") or {}; sys.exit(0 if r.get("type")=="error" or m.get("status")=="Failure" else 1)' "$reply"
}
export -f bad
expect "plain http server refused" bad '{"source":{"type":"image","mode":"pull","server":"http://127.0.0.1:'$port'","protocol":"lxd","alias":"pub"}}'
expect "unknown protocol refused" bad '{"source":{"type":"image","mode":"pull","server":"https://127.0.0.1:'$port'","protocol":"ftp","alias":"pub"}}'
expect "push mode refused" bad '{"source":{"type":"image","mode":"push","server":"https://127.0.0.1:'$port'","alias":"pub"}}'
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=wrong \
  -keyout "$WORK/wrong.key" -out "$WORK/wrong.crt" 2>/dev/null
wrong=$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$WORK/wrong.crt")
expect "server with another certificate than given refused" bad '{"source":{"type":"image","mode":"pull","server":"https://127.0.0.1:'$port'","protocol":"lxd","alias":"pub2","certificate":'"$wrong"'}}'
expect "nothing stored by the refusals" bash -c "[ \$(lxc image list --format csv | wc -l) = 2 ] && ! ls '$LXD_DIR/images' | grep -q upload-"
expect "project limits.disk bounds a download" bash -c "lxc project create small -c limits.disk=10KiB >/dev/null && lxc profile device add default root disk path=/ pool=default --project small >/dev/null; ! lxc image copy other:pub local: --target-project small 2>/dev/null; [ -z \"\$(lxc image list --project small --format csv)\" ] && ! ls '$LXD_DIR/images' | grep -q upload-"
lxc project delete small >/dev/null 2>&1

# A simplestreams tree over HTTPS: the busybox image as lxd_combined.tar.gz, and a split product
# (lxd.tar.xz + root.tar.xz) whose files the server does not have, which is refused cleanly
# (split_images has those that work).
ss=$WORK/ss/root
mkdir -p "$ss/streams/v1" "$ss/images"
sleep 1
"$here/../../scripts/make-busybox-image.sh" "$ss/images/bb3.tar.gz"
fp3=$(sha256sum "$ss/images/bb3.tar.gz" | cut -d' ' -f1)
size3=$(stat -c %s "$ss/images/bb3.tar.gz")
export fp3
arch=$(dpkg --print-architecture)
cat >"$ss/streams/v1/index.json" <<JSON
{"format":"index:1.0","index":{"images":{"datatype":"image-downloads","format":"products:1.0","path":"streams/v1/images.json","products":["busybox:1.36:$arch:default","split:1:$arch:default"]}}}
JSON
cat >"$ss/streams/v1/images.json" <<JSON
{"content_id":"images","datatype":"image-downloads","format":"products:1.0","products":{
 "busybox:1.36:$arch:default":{"aliases":"bbs,busybox/1.36","arch":"$arch","os":"BusyBox","release":"1.36","release_title":"1.36",
  "versions":{"20261129_00:00":{"items":{"lxd_combined.tar.gz":{"ftype":"lxd_combined.tar.gz","path":"images/bb3.tar.gz","sha256":"$fp3","size":$size3}}}}},
 "split:1:$arch:default":{"aliases":"splitonly","arch":"$arch","os":"Split","release":"1","release_title":"1",
  "versions":{"20261129_00:00":{"items":{
   "lxd.tar.xz":{"ftype":"lxd.tar.xz","path":"images/meta.tar.xz","sha256":"$(printf a%.0s {1..64})","size":10,"combined_rootxz_sha256":"$(printf b%.0s {1..64})"},
   "root.tar.xz":{"ftype":"root.tar.xz","path":"images/root.tar.xz","sha256":"$(printf c%.0s {1..64})","size":10}}}}}}}
JSON
start_image_server "$ss"
ssport=$SS_PORT
expect "remote add ss (simplestreams)" lxc remote add ss "https://127.0.0.1:$ssport" --protocol=simplestreams --public
mkdir -p "$LXD_CONF/servercerts" && cp "$WORK/ss.crt" "$LXD_CONF/servercerts/ss.crt"
expect "lxc image list ss: shows the image" bash -c "lxc image list ss: --format csv | grep -q bbs"
expect "launch ss:bbs" lxc launch ss:bbs c3
expect "c3 runs" bash -c "lxc list c3 --format csv -c s | grep -q RUNNING"
expect "simplestreams image cached, with its source" bash -c "[ \$(field $fp3 cached) = true ] && field $fp3 update_source | grep -q '\"protocol\": \"simplestreams\"'"
expect "image copy ss:busybox/1.36 local: --alias y" bash -c "lxc image copy ss:busybox/1.36 local: --alias y && lxc image info y | grep -q ${fp3:0:12}"
expect "split image without its files refused, nothing left" bash -c "! lxc launch ss:splitonly c4 2>$WORK/split.err; cat $WORK/split.err; grep -q 'status 404 for .*meta.tar.xz' $WORK/split.err && [ \$(lxc image list --format csv | wc -l) = 3 ] && ! ls '$LXD_DIR/images' | grep -q upload- && ! lxc info c4 >/dev/null 2>&1"

# Unused cached images go after images.remote_cache_expiry days (the expiry task at start).
lxc delete -f c1 c2 c3 >/dev/null
expect "daemon still serves" bash -c "[ \$(status_of GET /1.0) = 200 ]"
