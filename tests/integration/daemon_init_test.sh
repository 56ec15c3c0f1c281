#!/bin/bash
# `lxd init`: a preseed creates or overwrites entities, a failing preseed undoes what it did
# before the failure (server keys, updated and created entities), --dump prints what is
# configured without the trust password, --auto gives a working default.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
export LXD_PLUGIN_PATH=$PLUGINS
start_daemon

expect preseed-applies bash -c "'$DAEMON' init --preseed <<'YAML'
config:
  images.auto_update_interval: \"0\"
storage_pools:
- name: pool1
  driver: dir
profiles:
- name: default
  devices:
    root:
      type: disk
      path: /
      pool: pool1
- name: extra
  config:
    user.from: preseed
YAML"
expect pool-created bash -c "api GET /1.0/storage-pools/pool1 | grep -q '\"driver\":\"dir\"'"
expect profile-overwritten bash -c "api GET /1.0/profiles/default | grep -q '\"pool\":\"pool1\"'"
expect profile-created bash -c "api GET /1.0/profiles/extra | grep -q '\"user.from\":\"preseed\"'"
expect server-config-set bash -c "api GET /1.0 | grep -q '\"images.auto_update_interval\":\"0\"'"

expect failing-preseed-refused bash -c "! '$DAEMON' init --preseed <<'YAML'
storage_pools:
- name: pool2
  driver: dir
- name: pool3
  driver: no-such-driver
YAML"
expect failing-preseed-rolled-back bash -c "api GET /1.0/storage-pools/pool2 | grep -q '\"error_code\":404'"
expect alias-refused bash -c "! printf 'a: &x [1]\nb: *x\n' | '$DAEMON' init --preseed"
expect dump-shows-config bash -c "'$DAEMON' init --dump | grep -q 'pool1'"

# A preseed failing late undoes everything it did before: server keys, updated and created
# entities (the profile "broken" is refused after the others were applied).
expect late-failure-refused bash -c "! '$DAEMON' init --preseed <<'YAML'
config:
  images.auto_update_interval: \"6\"
  images.remote_cache_expiry: \"3\"
storage_pools:
- name: pool4
  driver: dir
profiles:
- name: extra
  config:
    user.from: second
- name: broken
  config:
    no.such.key: x
YAML"
expect late-failure-config-restored bash -c "api GET /1.0 | grep -q '\"images.auto_update_interval\":\"0\"' && ! api GET /1.0 | grep -q images.remote_cache_expiry"
expect late-failure-profile-restored bash -c "api GET /1.0/profiles/extra | grep -q '\"user.from\":\"preseed\"'"
expect late-failure-created-removed bash -c "api GET /1.0/storage-pools/pool4 | grep -q '\"error_code\":404' && api GET /1.0/profiles/broken | grep -q '\"error_code\":404'"

# The trust password: set by a preseed, never shown by --dump, and neither a dump fed back nor
# a rolled-back preseed changes it (the server shows it as "true", which is not the password).
password_hash() { "$DAEMON" sql global "SELECT 'h' || '=' || value FROM config WHERE key='core.trust_password'" | grep -o 'h=[^ |]*'; }
export -f password_hash; export DAEMON
expect preseed-sets-password bash -c "printf 'config:\n  core.trust_password: sekret\n' | '$DAEMON' init --preseed && password_hash | grep -q 'h=.'"
hash=$(password_hash)
expect dump-hides-password bash -c "! '$DAEMON' init --dump | grep -q trust_password"
expect dump-lists-everything bash -c "'$DAEMON' init --dump > '$WORK/dump.yaml' && for k in config storage_pools networks profiles projects; do grep -q \"^\$k:\" '$WORK/dump.yaml' || exit 1; done"
expect dump-round-trip bash -c "'$DAEMON' init --preseed < '$WORK/dump.yaml' && [ \"\$(password_hash)\" = '$hash' ]"
expect rollback-keeps-password bash -c "! printf 'config:\n  images.auto_update_interval: \"9\"\nprofiles:\n- name: bad\n  config:\n    no.such.key: x\n' | '$DAEMON' init --preseed && [ \"\$(password_hash)\" = '$hash' ]"
expect rollback-removes-added-password bash -c "api PATCH /1.0 '{\"config\":{\"core.trust_password\":\"\"}}' >/dev/null && ! printf 'config:\n  core.trust_password: other\nprofiles:\n- name: bad\n  config:\n    no.such.key: x\n' | '$DAEMON' init --preseed && [ -z \"\$(password_hash)\" ]"
