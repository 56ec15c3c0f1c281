#!/bin/bash
# Split images from image servers, the only form images.linuxcontainers.org offers: lxd.tar.xz
# metadata with a squashfs or root.tar.xz rootfs. From a simplestreams tree served over HTTPS
# (fake_image_server.py, 127.0.0.1 only): lxc launch ss:ALIAS downloads both files, checks each
# against its sha256 in the stream and the pair against the combined fingerprint, and stores a
# split image (images/FP and images/FP.rootfs) that lists, exports and launches as a local split
# import does; a second launch downloads nothing; a wrong rootfs hash or combined fingerprint is
# refused naming the file, with no image, temporary file or instance left; auto-update takes the
# server's newer version. Between two of our daemons (the LXD protocol): lxc image copy and lxc
# launch of a split image, which the export answers as upstream's multipart body (parts
# "metadata" and "rootfs").
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
trap 'cleanup_with_servers c1 c2 c3 c4' EXIT
lxc image delete bb >/dev/null

# The busybox image split in two: its metadata, its rootfs as squashfs and as root.tar.xz, and a
# squashfs that differs from the first by its last byte.
ss=$WORK/ss/root
mkdir -p "$ss/streams/v1" "$ss/images" "$WORK/img"
tar -C "$WORK/img" -xzf "$WORK/bb.tar.gz"
tar -C "$WORK/img" -cJf "$ss/images/lxd.tar.xz" metadata.yaml templates
mksquashfs "$WORK/img/rootfs" "$ss/images/rootfs.squashfs" -noappend -comp xz -no-progress >/dev/null
tar -C "$WORK/img/rootfs" --numeric-owner -cJf "$ss/images/root.tar.xz" .
cp "$ss/images/rootfs.squashfs" "$ss/images/other.squashfs" && printf x >>"$ss/images/other.squashfs"
combined() { cat "$ss/images/lxd.tar.xz" "$ss/images/$1" | sha256sum | cut -d' ' -f1; }
FP_SQ=$(combined rootfs.squashfs) FP_XZ=$(combined root.tar.xz) FP_OTHER=$(combined other.squashfs)
export FP_SQ FP_XZ FP_OTHER ss

# The stream, as images.linuxcontainers.org writes it: one product per image, the metadata item
# with the combined fingerprint of its pairing. "badroot" lists the squashfs's sha256 for a file
# that differs; "toobig" a size smaller than its rootfs; "badfp" right file hashes and a wrong
# combined fingerprint.
python3 - "$ss" "$(dpkg --print-architecture)" <<'PY'
import hashlib, json, os, sys
root, arch = sys.argv[1:3]
def item(name, ftype, **extra):
    data = open(os.path.join(root, "images", name), "rb").read()
    return {"ftype": ftype, "path": "images/" + name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), **extra}
def combined(*names):
    return hashlib.sha256(b"".join(open(os.path.join(root, "images", n), "rb").read() for n in names)).hexdigest()
def product(alias, rootfs, ftype, key, fingerprint=None, rootfs_sha=None, rootfs_size=None):
    meta = item("lxd.tar.xz", "lxd.tar.xz", **{key: fingerprint or combined("lxd.tar.xz", rootfs)})
    root_item = item(rootfs, ftype)
    if rootfs_sha:
        root_item["sha256"] = rootfs_sha
    if rootfs_size:
        root_item["size"] = rootfs_size
    return {"aliases": alias, "arch": arch, "os": "BusyBox", "release": alias, "release_title": alias,
            "versions": {"20261129_22:00": {"items": {"lxd.tar.xz": meta, ftype: root_item}}}}
good_sha = item("rootfs.squashfs", "squashfs")["sha256"]
products = {
    "busybox:test:%s:default" % arch: product("busybox/test", "rootfs.squashfs", "squashfs", "combined_squashfs_sha256"),
    "busybox:tarxz:%s:default" % arch: product("busybox/tarxz", "root.tar.xz", "root.tar.xz", "combined_rootxz_sha256"),
    "busybox:badroot:%s:default" % arch: product("badroot", "other.squashfs", "squashfs", "combined_squashfs_sha256",
                                                 rootfs_sha=good_sha),
    "busybox:toobig:%s:default" % arch: product("toobig", "other.squashfs", "squashfs", "combined_squashfs_sha256",
                                                rootfs_size=4096),
    "busybox:badfp:%s:default" % arch: product("badfp", "other.squashfs", "squashfs", "combined_squashfs_sha256",
                                               fingerprint="f" * 64),
}
json.dump({"content_id": "images", "datatype": "image-downloads", "format": "products:1.0", "products": products},
          open(os.path.join(root, "streams/v1/images.json"), "w"))
json.dump({"format": "index:1.0", "index": {"images": {"datatype": "image-downloads", "format": "products:1.0",
          "path": "streams/v1/images.json", "products": sorted(products)}}}, open(os.path.join(root, "streams/v1/index.json"), "w"))
PY
# A hostile LXD server beside the stream (routes of the same server): exports of split images
# answered as multipart bodies with the parts swapped, the rootfs missing, or the body cut inside
# the rootfs (announced with the real image's fingerprint).
python3 - "$ss" "$FP_SQ" >"$WORK/routes.json" <<'PY'
import json, os, sys
root, real = sys.argv[1:3]
meta, rootfs = (open(os.path.join(root, "images", n), "rb").read() for n in ("lxd.tar.xz", "rootfs.squashfs"))
def body(parts, closed=True):
    out = b"".join(b'--B\r\nContent-Disposition: form-data; name="%s"; filename="f"\r\n'
                   b"Content-Type: application/octet-stream\r\n\r\n" % name + data + b"\r\n" for name, data in parts)
    return out + (b"--B--\r\n" if closed else b"")
cases = {"swapped": ("a" * 64, body([(b"rootfs", rootfs), (b"metadata", meta)])),
         "metaonly": ("b" * 64, body([(b"metadata", meta)])),
         "cut": (real, body([(b"metadata", meta), (b"rootfs", rootfs[:4096])], closed=False))}
routes = {}
os.makedirs(os.path.join(root, "hostile"))
for alias, (fingerprint, data) in cases.items():
    open(os.path.join(root, "hostile", alias), "wb").write(data)
    sync = lambda metadata: json.dumps({"type": "sync", "metadata": metadata})
    routes["/1.0/images/aliases/" + alias] = {"body": sync({"name": alias, "target": fingerprint})}
    routes["/1.0/images/" + fingerprint] = {"body": sync({"fingerprint": fingerprint, "public": True})}
    routes["/1.0/images/%s/export" % fingerprint] = {"file": "hostile/" + alias,
                                                     "headers": {"Content-Type": "multipart/form-data; boundary=B"}}
json.dump(routes, sys.stdout)
PY
start_image_server "$ss" "$WORK/routes.json"
ssport=$SS_PORT
REQUESTS=$WORK/ss/requests.log
export REQUESTS

nothing_left() { # no image, no download's file, no instance c3
  [ -z "$(lxc image list --format csv -c f)" ] && ! ls "$LXD_DIR/images" | grep -q '^upload-' &&
    ! lxc info c3 >/dev/null 2>&1
}
gets() { grep -c "^GET /images/$1\$" "$REQUESTS"; }
pull_lxd() { # pull_lxd ALIAS: POST /1.0/images of ALIAS from the hostile LXD server; prints the finished operation
  local op
  op=$(api POST /1.0/images '{"source":{"type":"image","mode":"pull","protocol":"lxd","server":"https://127.0.0.1:'"$SS_PORT"'","alias":"'"$1"'","certificate":'"$(jq -Rs . "$WORK/ss.crt")"'}}' | jq -r .operation)
  api GET "$op/wait?timeout=50"
}
export -f nothing_left gets pull_lxd
export SS_PORT WORK

expect "remote add ss (simplestreams, its certificate accepted)" bash -c "lxc remote add ss https://127.0.0.1:$ssport --protocol simplestreams --public &&
  mkdir -p '$LXD_CONF/servercerts' && cp '$WORK/ss.crt' '$LXD_CONF/servercerts/ss.crt'"
expect "lxc image list ss: shows the split images" bash -c "lxc image list ss: --format csv -c lf | grep -q '^busybox/test.*,${FP_SQ:0:12}'"

# A wrong hash first: the same files must not already be stored.
expect "a rootfs that does not match its sha256 is refused, naming it" bash -c "
  ! lxc launch ss:badroot c3 >'$WORK/badroot.out' 2>&1; cat '$WORK/badroot.out';
  grep -q 'rootfs file .*other.squashfs.* doesn.t match its sha256' '$WORK/badroot.out' && nothing_left"
expect "a rootfs larger than the stream says is refused" bash -c "
  ! lxc launch ss:toobig c3 >'$WORK/toobig.out' 2>&1; cat '$WORK/toobig.out';
  grep -q 'rootfs file .*other.squashfs.* is larger than the 4096 bytes' '$WORK/toobig.out' && nothing_left"
expect "a pair that does not match the combined fingerprint is refused" bash -c "
  ! lxc launch ss:badfp c3 >'$WORK/badfp.out' 2>&1; cat '$WORK/badfp.out';
  grep -q 'fingerprint doesn.t match.*lxd.tar.xz.*other.squashfs' '$WORK/badfp.out' && nothing_left"
expect "an LXD server's multipart export with the parts swapped is refused" bash -c "
  pull_lxd swapped | tee '$WORK/swapped.out' | is_refusal && grep -q 'unexpected part' '$WORK/swapped.out' && nothing_left"
expect "... without its rootfs part" bash -c "pull_lxd metaonly | tee '$WORK/metaonly.out' | is_refusal && grep -q 'part is missing' '$WORK/metaonly.out' && nothing_left"
expect "... cut inside the rootfs" bash -c "pull_lxd cut | tee '$WORK/cut.out' | is_refusal && grep -Eq 'doesn.t match|Invalid multipart' '$WORK/cut.out' && nothing_left"

: >"$REQUESTS"
lxc monitor --type operation --format json >"$WORK/monitor.json" 2>/dev/null &
MONITOR_PID=$!
sleep 0.5
expect "launch ss:busybox/test (squashfs rootfs)" lxc launch ss:busybox/test c1
kill "$MONITOR_PID" && wait "$MONITOR_PID" 2>/dev/null
expect "c1 runs its commands" lxc exec c1 -- true
expect "the download reported its progress per file" bash -c "
  grep -q '\"download_progress\": *\"metadata: ' '$WORK/monitor.json' && grep -q '\"download_progress\": *\"rootfs: ' '$WORK/monitor.json'"
expect "image listed with the combined fingerprint" bash -c "lxc image list --format csv -c f | grep -qx ${FP_SQ:0:12}"
expect "stored as a split image: images/FP and images/FP.rootfs" bash -c "
  cmp '$LXD_DIR/images/$FP_SQ' '$ss/images/lxd.tar.xz' && cmp '$LXD_DIR/images/$FP_SQ.rootfs' '$ss/images/rootfs.squashfs'"
expect "cached, auto-updating, with its source" bash -c "lxc query /1.0/images/$FP_SQ | jq -e '.cached and .auto_update and
  .update_source.protocol == \"simplestreams\" and .update_source.alias == \"busybox/test\"'"
expect "each file downloaded once" bash -c "[ \$(gets lxd.tar.xz) = 1 ] && [ \$(gets rootfs.squashfs) = 1 ]"
expect "a second launch downloads nothing" bash -c "lxc launch ss:busybox/test c2 && [ \$(gets lxd.tar.xz) = 1 ] && [ \$(gets rootfs.squashfs) = 1 ]"
mkdir "$WORK/exp"
expect "lxc image export writes both files" bash -c "lxc image export $FP_SQ '$WORK/exp/' >/dev/null &&
  cmp '$WORK/exp/meta-$FP_SQ.tar.xz' '$ss/images/lxd.tar.xz' && cmp '$WORK/exp/$FP_SQ.squashfs' '$ss/images/rootfs.squashfs'"
expect "launch ss:busybox/tarxz (root.tar.xz rootfs)" bash -c "lxc launch ss:busybox/tarxz c3 && lxc exec c3 -- true &&
  lxc image list --format csv -c f | grep -qx ${FP_XZ:0:12} && cmp '$LXD_DIR/images/$FP_XZ.rootfs' '$ss/images/root.tar.xz'"
lxc delete -f c1 c2 c3 >/dev/null

# Auto-update (at the daemon's start): the server's newer version of busybox/test, its metadata
# changed, replaces the cached image.
sed -i 's/^creation_date: .*/creation_date: 1764460800/' "$WORK/img/metadata.yaml"
tar -C "$WORK/img" -cJf "$ss/images/lxd2.tar.xz" metadata.yaml templates
FP_NEW=$(cat "$ss/images/lxd2.tar.xz" "$ss/images/rootfs.squashfs" | sha256sum | cut -d' ' -f1)
python3 - "$ss" "$FP_NEW" <<'PY'
import copy, hashlib, json, os, sys
root, fingerprint = sys.argv[1:3]
path = os.path.join(root, "streams/v1/images.json")
stream = json.load(open(path))
product = next(p for p in stream["products"].values() if p["aliases"] == "busybox/test")
version = copy.deepcopy(product["versions"]["20261129_22:00"])
data = open(os.path.join(root, "images/lxd2.tar.xz"), "rb").read()
version["items"]["lxd.tar.xz"].update(path="images/lxd2.tar.xz", sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                      combined_squashfs_sha256=fingerprint)
product["versions"]["20261129_23:00"] = version
json.dump(stream, open(path, "w"))
PY
updated=$(printf '%s\n' "${FP_NEW:0:12}" "${FP_XZ:0:12}" | sort | tr '\n' ' ')
stop_daemon
start_daemon
expect "auto-update replaces the cached image with the newer one" bash -c "
  for _ in \$(seq 60); do [ \"\$(lxc image list --format csv -c f | sort | tr '\n' ' ')\" = '$updated' ] && break; sleep 1; done
  [ \"\$(lxc image list --format csv -c f | sort | tr '\n' ' ')\" = '$updated' ] &&
  cmp '$LXD_DIR/images/$FP_NEW' '$ss/images/lxd2.tar.xz' && cmp '$LXD_DIR/images/$FP_NEW.rootfs' '$ss/images/rootfs.squashfs' &&
  [ ! -e '$LXD_DIR/images/$FP_SQ.rootfs' ] && lxc query /1.0/images/$FP_NEW | jq -e '.cached and .auto_update'"
lxc image delete "$FP_NEW" "$FP_XZ" >/dev/null

# Two of our daemons: the other one has split images (imported as lxc image import META ROOTFS),
# this one takes them through the LXD protocol.
other=$WORK/other
start_other_daemon "$other"
LXD_DIR=$other lxc image import "$ss/images/lxd.tar.xz" "$ss/images/rootfs.squashfs" --alias sq --public >/dev/null
LXD_DIR=$other lxc image import "$ss/images/lxd.tar.xz" "$ss/images/root.tar.xz" --alias xz --public >/dev/null
expect "remote add other (our daemon)" lxc remote add other "https://127.0.0.1:$OTHER_PORT" --public --accept-certificate
expect "the export is a multipart body: metadata, then rootfs" bash -c "
  curl -sk -D '$WORK/export.head' -o '$WORK/export.body' https://127.0.0.1:$OTHER_PORT/1.0/images/$FP_SQ/export &&
  grep -qi '^content-type: multipart/form-data; boundary=' '$WORK/export.head' &&
  [ \"\$(grep -ao 'Content-Disposition: form-data; name=\"[a-z]*\"' '$WORK/export.body' | cut -d'\"' -f2 | tr '\n' ' ')\" = 'metadata rootfs ' ]"
expect "lxc image copy other:sq local: (its progress that of the whole body, as upstream's)" bash -c "
  lxc image copy other:sq local: --alias sq2 >'$WORK/copy.out' && grep -aq 'Copying the image: [0-9]*% ([0-9.]*[kMG]*B/s)' '$WORK/copy.out' &&
  lxc image info sq2 | grep -qx 'Fingerprint: $FP_SQ' &&
  cmp '$LXD_DIR/images/$FP_SQ' '$ss/images/lxd.tar.xz' && cmp '$LXD_DIR/images/$FP_SQ.rootfs' '$ss/images/rootfs.squashfs'"
expect "lxc launch other:xz" bash -c "lxc launch other:xz c4 && lxc exec c4 -- true && cmp '$LXD_DIR/images/$FP_XZ.rootfs' '$ss/images/root.tar.xz'"
lxc delete -f c4 >/dev/null
expect "no download's file left" bash -c "! ls '$LXD_DIR/images' | grep -q '^upload-'"
