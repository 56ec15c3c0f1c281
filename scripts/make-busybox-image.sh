#!/bin/bash
# Builds a small unified LXD image (metadata.yaml, templates/, rootfs/) from Debian's static
# busybox: it boots busybox init and templates /etc/hostname and /etc/hosts from the name.
# Usage: make-busybox-image.sh OUT.tar.gz
set -euo pipefail
out=${1:?usage: make-busybox-image.sh OUT.tar.gz}
bb=/bin/busybox
file -L "$bb" | grep -q static || { echo "need a static $bb (busybox-static)" >&2; exit 1; }
arch=$(uname -m)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,etc/init.d,tmp,root,run,var/log}
chmod 1777 "$root/tmp"
cp "$bb" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [[ $applet == busybox ]] || ln -sf busybox "$root/bin/$applet"
done
ln -sf ../bin/busybox "$root/sbin/init"
printf '::sysinit:/etc/init.d/rcS\n::respawn:/bin/sleep 2147483647\n::ctrlaltdel:/sbin/reboot\n::shutdown:/bin/umount -a -r\n' >"$root/etc/inittab"
printf '#!/bin/sh\nmount -t tmpfs tmpfs /run 2>/dev/null\nhostname -F /etc/hostname 2>/dev/null\nip link set lo up 2>/dev/null\n' >"$root/etc/init.d/rcS"
chmod +x "$root/etc/init.d/rcS"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
echo busybox >"$root/etc/hostname"
mkdir -p "$work/templates"
echo '{{ container.name }}' >"$work/templates/hostname.tpl"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t{{ container.name }}\n' >"$work/templates/hosts.tpl"
cat >"$work/metadata.yaml" <<META
architecture: $arch
creation_date: $(date +%s)
properties:
  architecture: $arch
  description: BusyBox $arch
  name: busybox-$arch
  os: BusyBox
templates:
  /etc/hostname:
    when: [create, copy, start]
    template: hostname.tpl
  /etc/hosts:
    when: [create, copy]
    template: hosts.tpl
META
tar -C "$work" --numeric-owner --owner=0 --group=0 -czf "$out" metadata.yaml templates rootfs
