#!/bin/bash
# storage.images_volume and storage.backups_volume with the real client: the images (backups)
# directory moves onto a custom volume and $LXD_DIR/images becomes a link to it, images there
# still launch and new imports land there, a volume that is missing, attached or not empty is
# refused with nothing changed, the volume in use cannot be deleted, renamed or attached
# (used_by: /1.0), and unsetting the key moves the files back into a directory.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
export LXD_CONF=$WORK/client
start_daemon
V=$LXD_DIR/storage-pools/sp/custom/default_imgs
B=$LXD_DIR/storage-pools/sp/custom/default_bk
export V B

lxc storage create sp dir >/dev/null
lxc profile device add default root disk path=/ pool=sp >/dev/null 2>&1
"$here/../../scripts/make-busybox-image.sh" "$WORK/bb.tar.gz" >/dev/null
lxc image import "$WORK/bb.tar.gz" --alias busybox >/dev/null 2>&1
FP=$(lxc image info busybox | awk '/^Fingerprint:/ {print $2}')
export FP
lxc storage volume create sp imgs >/dev/null
lxc storage volume create sp bk >/dev/null
lxc storage volume create sp used >/dev/null
lxc storage volume create sp full >/dev/null
touch "$LXD_DIR/storage-pools/sp/custom/default_full/x"

expect missing-volume-refused bash -c "! lxc config set storage.images_volume sp/nope && [ -z \"\$(lxc config get storage.images_volume)\" ] && [ -f '$LXD_DIR/images/$FP' ] && [ ! -L '$LXD_DIR/images' ]"
expect missing-pool-refused bash -c "! lxc config set storage.images_volume nopool/imgs"
expect not-empty-refused bash -c "! lxc config set storage.images_volume sp/full && [ -f '$LXD_DIR/images/$FP' ]"
lxc launch busybox c >/dev/null 2>&1
lxc storage volume attach sp used c /mnt/u >/dev/null 2>&1
expect attached-refused bash -c "! lxc config set storage.images_volume sp/used && [ -z \"\$(lxc config get storage.images_volume)\" ]"

expect images-volume-set lxc config set storage.images_volume sp/imgs
expect images-dir-is-link bash -c "[ \"\$(readlink -f '$LXD_DIR/images')\" = \"\$(readlink -f '$V')\" ] && [ -f '$V/$FP' ]"
expect launch-from-moved-image lxc launch busybox c2
expect in-use-volume-kept bash -c "! lxc storage volume delete sp imgs && ! lxc storage volume rename sp imgs other && lxc storage volume show sp imgs | grep -q -- '- /1.0\$'"
expect in-use-attach-refused bash -c "! lxc storage volume attach sp imgs c2 /mnt/i && ! lxc config device show c2 | grep -q imgs"
expect same-volume-twice-refused bash -c "! lxc config set storage.backups_volume sp/imgs && [ -z \"\$(lxc config get storage.backups_volume)\" ]"
expect image-delete-and-import bash -c "lxc image delete busybox && [ ! -e '$V/$FP' ] && lxc image import '$WORK/bb.tar.gz' --alias busybox >/dev/null && [ -f '$V/$FP' ]"
expect backups-volume-set lxc config set storage.backups_volume sp/bk
expect backups-dir-is-link bash -c "[ \"\$(readlink -f '$LXD_DIR/backups')\" = \"\$(readlink -f '$B')\" ]"
expect backup-on-volume bash -c "lxc export c2 '$WORK/c2.tar.gz' && [ -s '$WORK/c2.tar.gz' ]"

expect images-volume-unset lxc config unset storage.images_volume
expect images-dir-back bash -c "[ -d '$LXD_DIR/images' ] && [ ! -L '$LXD_DIR/images' ] && [ -f '$LXD_DIR/images/$FP' ] && [ ! -e '$V/$FP' ]"
expect backups-volume-unset lxc config unset storage.backups_volume
expect backups-dir-back bash -c "[ -d '$LXD_DIR/backups' ] && [ ! -L '$LXD_DIR/backups' ]"
expect launch-after-unset lxc launch busybox c3
lxc delete -f c c2 c3 >/dev/null 2>&1
for v in imgs bk used full; do lxc storage volume delete sp $v >/dev/null 2>&1; done
