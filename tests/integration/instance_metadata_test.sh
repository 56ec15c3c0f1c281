#!/bin/bash
# lxc config metadata / lxc config template (container_edit_metadata) with the real client: an
# instance's metadata.yaml and templates edited, published, and applied in the image's instances;
# every path stays inside the instance's volume.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base
canary=$(mktemp -d /tmp/lxdp-canary.XXXXXX)
trap 'rm -rf "$canary"; finish' EXIT
echo host-secret >"$canary/secret"
lxc init bb m1 >/dev/null 2>&1

expect "metadata show gives the image's metadata" bash -c "lxc config metadata show m1 | grep -q '^architecture: x86_64'"
cat >"$WORK/meta.yaml" <<'YAML'
architecture: x86_64
creation_date: 1700000000
properties:
  description: edited
templates:
  /etc/greeting:
    when: [create, copy]
    template: greeting.tpl
YAML
expect "metadata edit replaces metadata.yaml" bash -c "lxc config metadata edit m1 <'$WORK/meta.yaml' && lxc config metadata show m1 | grep -q 'description: edited' && lxc config metadata show m1 | grep -q 'template: greeting.tpl'"
expect "metadata without an architecture refused" bash -c "! echo 'properties: {}' | lxc config metadata edit m1 2>'$WORK/err' && grep -qi architecture '$WORK/err' && lxc config metadata show m1 | grep -q 'description: edited'"
expect "template escaping templates/ refused" bash -c "[ \$(status_of PUT /1.0/instances/m1/metadata '{\"architecture\":\"x86_64\",\"templates\":{\"/x\":{\"template\":\"../../../etc/shadow\"}}}') = 400 ]"
expect "stale If-Match refused" bash -c "[ \$(status_of PUT /1.0/instances/m1/metadata '{\"architecture\":\"x86_64\"}' -H 'If-Match: \"nope\"') = 412 ]"
expect "template create" bash -c "lxc config template create m1 greeting.tpl </dev/null && lxc config template list m1 | grep -q greeting.tpl"
expect "template edit and show" bash -c "printf 'hello from {{ container.name }}\n' | lxc config template edit m1 greeting.tpl && [ \"\$(lxc config template show m1 greeting.tpl)\" = 'hello from {{ container.name }}' ]"
expect "missing template is 404" bash -c "! lxc config template show m1 nope.tpl 2>/dev/null && [ \$(status_of GET '/1.0/instances/m1/metadata/templates?path=nope.tpl') = 404 ]"
for name in '..' '../../x' 'a/b' ''; do
  expect "template name '$name' refused" bash -c "[ \$(status_of POST '/1.0/instances/m1/metadata/templates?path=$name' x) = 400 ]"
done
expect "published image carries metadata and templates" bash -c "lxc publish m1 --alias edited >/dev/null && lxc image show edited | grep -q 'description: edited' && lxc init edited m2 >/dev/null && lxc start m2 && [ \"\$(lxc exec m2 -- cat /etc/greeting)\" = 'hello from m2' ]"
expect "template delete" bash -c "lxc config template delete m1 greeting.tpl && ! lxc config template list m1 | grep -q greeting.tpl && [ \$(status_of DELETE '/1.0/instances/m1/metadata/templates?path=greeting.tpl') = 404 ]"

# A metadata.yaml or templates/ replaced by a symlink to a host path resolves inside the volume:
# the host file is neither read nor written.
vol=$LXD_DIR/containers/m1
rm -f "$vol/metadata.yaml"; ln -s "$canary/secret" "$vol/metadata.yaml"
rm -rf "$vol/templates"; ln -s "$canary" "$vol/templates"
expect "symlinked metadata.yaml is not read through" bash -c "! lxc config metadata show m1 | grep -q host-secret"
expect "symlinked templates/ is not listed through" bash -c "! lxc config template list m1 | grep -q secret && ! lxc config template show m1 secret 2>/dev/null | grep -q host-secret"
expect "writes replace the symlinks, never the host files" bash -c "lxc config metadata edit m1 <'$WORK/meta.yaml'; echo x | lxc config template edit m1 secret; [ \"\$(cat '$canary/secret')\" = host-secret ] && [ \"\$(ls '$canary')\" = secret ]"
lxc delete -f m1 m2 >/dev/null 2>&1
lxc image delete edited >/dev/null 2>&1
