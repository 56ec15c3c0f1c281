#!/bin/bash
# Gaps QA found against upstream LXD 5.0.2 with the real lxc client: each check is what upstream
# does (seen by running it), and what this daemon once did differently.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon
setup_base

# api_extensions: only what works, in upstream's order, each once.
expect "api_extensions advertise what works and nothing twice" bash -c \
  "lxc query /1.0 | jq -e '.api_extensions as \$e | (\$e | length) == (\$e | unique | length) and
     ([\"instances\", \"container_full\", \"clustering\", \"images_expiry\", \"resource_limits\"] - \$e) == [] and
     ([\"resources\", \"console\"] - \$e) == [] and
     ([\"virtual-machines\", \"container_exec_recording\", \"migration_progress\"] - \$e | length) == 3 and
     (\$e | index(\"etag\")) < (\$e | index(\"instances\"))'"

# Server user.* keys are the administrator's own; other unknown keys stay refused.
expect "lxc config set user.foo works on the server" bash -c \
  "lxc config set user.foo bar && [ \"\$(lxc config get user.foo)\" = bar ] && lxc config unset user.foo &&
   ! lxc query /1.0 | jq -e '.config | has(\"user.foo\")' >/dev/null"
expect "an unknown server key is still refused" bash -c \
  "out=\$(lxc config set core.nonsense 1 2>&1); [ \$? != 0 ] && grep -q 'Unknown configuration key: core.nonsense' <<<\"\$out\""

# Trust store: a unique prefix names a certificate, as lxc config trust list prints them.
mkdir -p "$WORK/certs"
declare -A first_char=()
shared=
for i in $(seq 1 17); do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$WORK/certs/k$i.key" \
    -out "$WORK/certs/c$i.crt" -days 30 -subj "/CN=compat$i" >/dev/null 2>&1
  fp=$(openssl x509 -in "$WORK/certs/c$i.crt" -outform der | sha256sum | cut -c1-64)
  lxc config trust add "$WORK/certs/c$i.crt" --name "compat$i" >/dev/null 2>&1
  c=${fp:0:1}
  if [[ -n ${first_char[$c]:-} ]]; then shared=$c; break; fi
  first_char[$c]=$fp
done
one=${first_char[$shared]}
expect "lxc config trust show takes a unique fingerprint prefix" bash -c \
  "lxc config trust show ${one:0:12} | grep -q '^fingerprint: $one'"
expect "an ambiguous prefix is refused with upstream's words" bash -c \
  "out=\$(lxc config trust show $shared 2>&1); [ \$? != 0 ] && grep -q 'More than one certificate matches' <<<\"\$out\" &&
   [ \"\$(status_of GET /1.0/certificates/$shared)\" = 400 ]"
expect "a prefix of no certificate is a 404" bash -c \
  "[ \"\$(status_of GET /1.0/certificates/zz)\" = 404 ] && ! lxc config trust show zz 2>/dev/null"
expect "lxc config trust remove takes a unique prefix and removes that certificate only" bash -c \
  "n=\$(lxc query /1.0/certificates | jq length); lxc config trust remove ${one:0:12} &&
   [ \"\$(lxc query /1.0/certificates | jq length)\" = \$((n - 1)) ] && ! lxc query /1.0/certificates | grep -q $one"

# A token names the addresses to join at: none without core.https_address.
expect "trust add --name is refused while the server has no https address, no token made" bash -c \
  "out=\$(lxc config trust add --name tok 2>&1); [ \$? != 0 ] &&
   grep -q \"Can't issue token when server isn't listening on network\" <<<\"\$out\" &&
   [ \"\$(api GET '/1.0/operations?recursion=1' | jq '[.metadata[]?[]? | select(.class == \"token\")] | length')\" = 0 ]"
for fp in $(lxc query /1.0/certificates | jq -r '.[]' | sed 's|.*/||'); do lxc config trust remove "$fp" >/dev/null 2>&1; done

# lxc pause of a frozen or stopped container: upstream's container driver's words.
lxc launch bb p1 >/dev/null 2>&1
lxc pause p1 >/dev/null 2>&1
expect "lxc pause of a frozen container says it is already frozen" bash -c \
  "out=\$(lxc pause p1 2>&1); [ \$? != 0 ] && grep -q 'The container is already frozen' <<<\"\$out\" &&
   [ \"\$(lxc query /1.0/instances/p1 | jq -r .status)\" = Frozen ]"
lxc stop -f p1 >/dev/null 2>&1
expect "lxc pause of a stopped container says it isn't running" bash -c \
  "out=\$(lxc pause p1 2>&1); [ \$? != 0 ] && grep -q \"The container isn't running\" <<<\"\$out\""

# PUT replaces the config as upstream's does, image.* and other volatile keys included, but the
# keys of the id map the files are shifted to cannot be dropped.
expect "a PUT without image.* keys drops them, as upstream" bash -c \
  "lxc query /1.0/instances/p1 | jq '.config |= with_entries(select(.key | startswith(\"image.\") | not))' >'$WORK/put.json' &&
   api PUT /1.0/instances/p1 \"\$(cat '$WORK/put.json')\" | jq -e '.type == \"async\"' >/dev/null &&
   ! lxc query /1.0/instances/p1 | jq -e '.config | keys | any(startswith(\"image.\"))' >/dev/null"
expect "a PUT dropping the volatile idmap keys is refused and changes nothing" bash -c \
  "lxc query /1.0/instances/p1 | jq -e '.config | has(\"volatile.last_state.idmap\")' >/dev/null &&
   lxc query /1.0/instances/p1 | jq '.config |= with_entries(select(.key | test(\"idmap\") | not)) | .config[\"user.x\"] = \"1\"' >'$WORK/put.json' &&
   api PUT /1.0/instances/p1 \"\$(cat '$WORK/put.json')\" |
     jq -e '.error_code == 400 and .error == \"Volatile idmap keys can'\\''t be deleted by the user\"' >/dev/null &&
   ! lxc query /1.0/instances/p1 | jq -e '.config | has(\"user.x\")' >/dev/null"
lxc delete -f p1 >/dev/null 2>&1

# limits.kernel.* (kernel_limits) and linux.sysctl.* (linux_sysctl) reach the container.
lxc launch bb k1 -c limits.kernel.nofile=2048 -c linux.sysctl.net.ipv4.ip_default_ttl=77 >/dev/null 2>&1
expect "limits.kernel.nofile is the container's open files limit" bash -c \
  "[ \"\$(lxc exec k1 -- sh -c 'ulimit -n')\" = 2048 ]"
expect "linux.sysctl.net.ipv4.ip_default_ttl is set in the container's namespace" bash -c \
  "[ \"\$(lxc exec k1 -- cat /proc/sys/net/ipv4/ip_default_ttl)\" = 77 ]"
lxc delete -f k1 >/dev/null 2>&1

# lxc init --empty: source type none, an instance with an empty root volume.
expect "lxc init --empty makes an instance with an empty root and the host's architecture" bash -c \
  "lxc init --empty e1 >/dev/null && lxc query /1.0/instances/e1 | jq -e --arg a \"\$(uname -m)\" \
     '.architecture == \$a and (.config | has(\"volatile.base_image\") | not) and .status == \"Stopped\"' >/dev/null &&
   [ -d '$LXD_DIR/containers/e1/rootfs' ] && [ -z \"\$(ls -A '$LXD_DIR/containers/e1/rootfs')\" ]"
expect "lxc delete removes the empty instance" bash -c "lxc delete e1 && ! lxc query /1.0/instances/e1 2>/dev/null"
expect "an empty instance of an architecture the host cannot run is refused, nothing made" bash -c \
  "[ \"\$(status_of POST /1.0/instances '{\"name\":\"e2\",\"architecture\":\"s390x\",\"source\":{\"type\":\"none\"}}')\" = 400 ] &&
   ! lxc query /1.0/instances/e2 2>/dev/null"

# lxc image export FP writes FP.tar.gz (the name upstream's Content-Disposition gives).
fp=$(lxc query /1.0/images/aliases/bb | jq -r .target)
expect "lxc image export writes a file named after the fingerprint" bash -c \
  "mkdir -p '$WORK/exp' && cd '$WORK/exp' && lxc image export bb >/dev/null && [ -s '$WORK/exp/$fp.tar.gz' ]"

# images_expiry: the expiry of an image can be edited.
expect "PATCH of an image's expires_at is kept, a bad one refused" bash -c \
  "lxc query -X PATCH -d '{\"expires_at\":\"2031-01-02T03:04:05Z\"}' /1.0/images/$fp >/dev/null &&
   [ \"\$(lxc query /1.0/images/$fp | jq -r .expires_at)\" = 2031-01-02T03:04:05Z ] &&
   [ \"\$(status_of PATCH /1.0/images/$fp '{\"expires_at\":\"soon\"}')\" = 400 ]"

# A standalone server, as upstream answers when not clustered.
expect "GET /1.0/cluster says not clustered and names the pools' member keys" bash -c \
  "lxc query /1.0/cluster | jq -e '.enabled == false and .server_name == \"\" and
     .member_config == [{\"entity\":\"storage-pool\",\"name\":\"default\",\"key\":\"source\",\"value\":\"\",
                         \"description\":\"\\\"source\\\" property for storage pool \\\"default\\\"\"}]' >/dev/null"
expect "lxc cluster list prints upstream's error" bash -c \
  "out=\$(lxc cluster list 2>&1); [ \$? != 0 ] && grep -q \"LXD server isn't part of a cluster\" <<<\"\$out\""
expect "cluster members answer not clustered" bash -c \
  "out=\$(lxc query /1.0/cluster/members 2>&1); [ \$? != 0 ] && grep -q 'Server is not clustered' <<<\"\$out\""

lxc image delete bb >/dev/null 2>&1
