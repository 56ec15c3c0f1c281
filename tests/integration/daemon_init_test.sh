#!/bin/bash
# `lxd init`: a preseed creates or overwrites entities, a failing preseed leaves nothing of
# itself behind, --dump prints what is configured, --auto gives a working default.
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
