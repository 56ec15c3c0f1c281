#!/bin/bash
# An image's profiles (image_profiles): an instance made from the image without --profile gets
# them in order; --profile and --no-profiles override them; an image with no profiles gives an
# instance none; an unknown image is still refused.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

start_daemon
setup_base >/dev/null 2>&1
fp=$(lxc query /1.0/images | jq -r '.[0]' | sed 's|.*/||')
export fp
profiles_of() { lxc query "/1.0/instances/$1" | jq -c .profiles; }
export -f profiles_of

expect advertised bash -c 'lxc query /1.0 | jq -e ".api_extensions | index(\"image_profiles\")" >/dev/null'
expect imported-with-default bash -c '[ "$(lxc query /1.0/images/$fp | jq -c .profiles)" = "[\"default\"]" ]'
expect profile lxc profile create extra
expect profile-key lxc profile set extra user.from extra
expect set-image-profiles bash -c 'api PATCH /1.0/images/$fp "{\"profiles\":[\"default\",\"extra\"]}" | jq -e ".status_code == 200" >/dev/null &&
  [ "$(lxc query /1.0/images/$fp | jq -c .profiles)" = "[\"default\",\"extra\"]" ]'
expect init-takes-image-profiles bash -c 'lxc init bb c1 && [ "$(profiles_of c1)" = "[\"default\",\"extra\"]" ] && [ "$(lxc config get c1 user.from --expanded 2>/dev/null || lxc query /1.0/instances/c1 | jq -r ".expanded_config[\"user.from\"]")" = extra ]'
expect profile-flag-overrides bash -c 'lxc init bb c2 --profile default && [ "$(profiles_of c2)" = "[\"default\"]" ]'
expect no-profiles-overrides bash -c 'lxc init bb c3 --no-profiles -s default && [ "$(profiles_of c3)" = "[]" ]'
expect image-without-profiles bash -c 'api PATCH /1.0/images/$fp "{\"profiles\":[]}" >/dev/null && lxc init bb c4 -s default && [ "$(profiles_of c4)" = "[]" ]'
expect unknown-image-refused bash -c '! lxc init nosuchimage c5 2>"$WORK/err" && ! lxc info c5 >/dev/null 2>&1'

expect cleanup bash -c 'for c in c1 c2 c3 c4; do lxc delete -f $c || exit 1; done && lxc profile delete extra && lxc image delete bb'
lxc profile device remove default root >/dev/null 2>&1
lxc storage delete default >/dev/null 2>&1
