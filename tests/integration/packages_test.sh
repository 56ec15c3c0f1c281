#!/bin/bash
# The Debian packages install with dpkg and work, in a throwaway root: an overlay of this machine's
# own / (same release, same libraries), so dpkg really installs, replaces Debian's lxd if present,
# and runs maintainer scripts, while the machine itself stays untouched. In there: the installed
# daemon reports only the installed plugins' drivers, one more plugin package adds its driver
# after a restart, the daemon serves a socket it inherits (lxd.socket), and a plugin built with
# clang against the installed lxdpp-dev only loads and passes the conformance kit. Then purge.
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
build=$(cd "$(dirname "$DAEMON")/.." && pwd)

skip() { echo "skip: $*"; exit 0; }
[[ $(id -u) == 0 ]] || skip "mounts and dpkg need root"
command -v dpkg >/dev/null && command -v cpack >/dev/null || skip "no dpkg or cpack"

# The writable layer lives on a tmpfs: overlayfs takes it there whatever / itself is.
layers=$(mktemp -d /var/tmp/lxdpp-pkg.XXXXXX)
root=$layers/root
mount -t tmpfs -o size=2g,mode=0755 lxdpp-pkg-layers "$layers" || { rmdir "$layers"; skip "cannot mount a tmpfs"; }
mkdir -p "$layers/upper" "$layers/work" "$root"
mount -t overlay lxdpp-pkg-test -o "lowerdir=/,upperdir=$layers/upper,workdir=$layers/work" "$root" ||
  { umount "$layers"; rmdir "$layers"; skip "no overlayfs"; }
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
mount -t tmpfs tmpfs "$root/run"
# Maintainer scripts in here must not start or stop services of the machine (invoke-rc.d and
# deb-systemd-invoke obey this, as in any chroot).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod 755 "$root/usr/sbin/policy-rc.d"

cleanup() {
  stop_daemon
  # Whatever this test started in the root and left running (its root is ours alone).
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$root" ]] && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  umount -R "$root" 2>/dev/null || umount -R -l "$root"
  umount "$layers" 2>/dev/null || umount -l "$layers"
  # Only once nothing is mounted below it, or rm would reach the machine's /dev and /sys.
  if ! findmnt -R "$layers" >/dev/null; then rmdir "$layers"; else echo "left mounted: $layers"; fi
  finish
}
trap cleanup EXIT

# Inside the root the data dir is /lxdtest; the helpers of lib.sh reach it from outside.
in_root() { chroot "$root" env -u LXD_PLUGIN_PATH LXD_DIR=/lxdtest "$@"; }
mkdir -p "$root/lxdtest"
export LXD_DIR=$root/lxdtest
start_installed() { # start_installed [LXD_PLUGIN_PATH inside the root]
  chroot "$root" env LXD_DIR=/lxdtest ${1:+LXD_PLUGIN_PATH=$1} /usr/bin/lxd --group root \
    --logfile /lxdtest/daemon.log >"$WORK/daemon.out" 2>&1 &
  DAEMON_PID=$!
  in_root /usr/bin/lxd waitready --timeout 30 || { echo "installed daemon did not start"; cat "$WORK/daemon.out"; }
}
drivers() { api GET /1.0 | grep -o '"storage_supported_drivers":\[[^]]*\]' | grep -o '"Name":"[^"]*"' | cut -d'"' -f4 | sort | xargs; }
export -f drivers

# The build tree CI just built packages in place when it was configured for /usr; any other
# prefix would bake the wrong plugin dir into the daemon, so build-packages.sh makes its own.
debs=$root/debs
if grep -qx 'CMAKE_INSTALL_PREFIX:PATH=/usr' "$build/CMakeCache.txt"; then
  (cd "$build" && cpack -G DEB -B "$WORK/cpack" >"$WORK/cpack.log" 2>&1) || { cat "$WORK/cpack.log"; exit 1; }
  mkdir -p "$debs" && cp "$WORK"/cpack/*.deb "$debs"/
else
  "$top/scripts/build-packages.sh" >"$WORK/cpack.log" 2>&1 || { tail -n 30 "$WORK/cpack.log"; exit 1; }
  mkdir -p "$debs" && cp "$top"/build-pkg/*.deb "$debs"/
fi
deb() { (cd "$debs" && ls "$1"_*.deb 2>/dev/null | sed 's|^|/debs/|'); }
expect packages-built bash -c "cd '$debs' && ls lxdpp_*.deb lxdpp-dev_*.deb lxdpp-storage-dir_*.deb lxdpp-instance-lxc_*.deb"
expect plugin-depends-on-abi bash -c "dpkg-deb -f '$root$(deb lxdpp-storage-dir)' Depends | grep -q 'lxdpp-abi1 (>= 1\.'"
expect daemon-provides-abi bash -c "dpkg-deb -f '$root$(deb lxdpp)' Provides | grep -q 'lxdpp-abi1 (= 1\.'"

had_lxd=$(in_root dpkg-query -W -f='${db:Status-Abbrev}' lxd 2>/dev/null | grep -q '^ii' && echo yes)
expect install-daemon-dir-lxc in_root dpkg -i "$(deb lxdpp)" "$(deb lxdpp-storage-dir)" "$(deb lxdpp-instance-lxc)"
[[ -n $had_lxd ]] && expect replaced-debian-lxd bash -c "! chroot '$root' dpkg-query -W -f='\${db:Status-Abbrev}' lxd | grep -q '^ii'"
plugindir=$(in_root dpkg -L lxdpp-storage-dir | grep '/storage-dir\.so$' | xargs dirname)
expect units-installed bash -c "chroot '$root' dpkg -L lxdpp | grep -q 'systemd/system/lxd.socket$'"
expect postinst-made-group-and-dir bash -c "chroot '$root' getent group lxd && test -d '$root/var/lib/lxd'"
expect manifest-installed grep -q '"kinds": \["storage:dir"\]' "$root$plugindir/storage-dir.json"

# The installed daemon, with its compiled-in plugin dir.
start_installed
expect only-installed-storage bash -c '[[ $(drivers) == dir ]]'
expect lxc-instance-driver bash -c "api GET /1.0 | grep -q '\"driver\":\"[^\"]*lxc'"
stop_daemon

extra=$(deb lxdpp-storage-btrfs)
if [[ -n $extra ]]; then
  expect install-btrfs-plugin in_root dpkg -i "$extra"
  start_installed
  expect btrfs-after-restart bash -c '[[ $(drivers) == "btrfs dir" ]]'
  stop_daemon
else
  echo "note: no lxdpp-storage-btrfs package in this tree; the second-plugin step is skipped"
fi

# lxd.socket's way: the daemon serves the socket it inherits (fd 3, LISTEN_FDS) instead of binding
# its own; the mode systemd-socket-activate gave the socket shows that it was not rebound.
if [[ -x $root/usr/bin/systemd-socket-activate ]]; then
  rm -f "$LXD_DIR/unix.socket"
  chroot "$root" env LXD_DIR=/lxdtest systemd-socket-activate -l /lxdtest/unix.socket /usr/bin/lxd \
    --group root --logfile /lxdtest/activated.log >"$WORK/activated.out" 2>&1 &
  DAEMON_PID=$!
  expect socket-activated bash -c "chroot '$root' env LXD_DIR=/lxdtest lxd waitready --timeout 30 && [[ \$(stat -c %a '$LXD_DIR/unix.socket') != 660 ]]"
  stop_daemon
fi

# A third-party plugin that sees the SDK only through the installed lxdpp-dev, built with clang.
expect install-dev in_root dpkg -i "$(deb lxdpp-dev)"
expect pkgconfig-plugindir bash -c "[[ \$(chroot '$root' pkg-config --variable=plugindir lxdpp-plugin) == '$plugindir' ]]"
cc=$(in_root sh -c 'command -v clang || command -v cc')
expect memfs-builds in_root sh -c "cmake -S '$top/sdk/examples/storage-memfs' -B /memfs -DCMAKE_C_COMPILER=$cc >/dev/null && cmake --build /memfs"
expect memfs-manifest grep -q '"kinds": \["storage:memfs"\]' "$root/memfs/storage-memfs.json"
if [[ -x $root/usr/bin/lxd-plugin-check ]]; then
  expect memfs-conformance in_root lxd-plugin-check /memfs/storage-memfs.so size=64MiB
  expect memfs-inspect bash -c "chroot '$root' lxd-plugin-inspect /memfs/storage-memfs.so | grep -q 'agrees with the plugin'"
fi
start_installed "$plugindir:/memfs"
expect memfs-loaded bash -c '[[ $(drivers) == *memfs* ]]'
expect memfs-pool-create bash -c "api POST /1.0/storage-pools '{\"name\":\"mem\",\"driver\":\"memfs\",\"config\":{\"size\":\"16MiB\"}}' | grep -q '\"status_code\":200'"
expect memfs-pool-is-tmpfs bash -c "[[ \$(stat -f -c %T '$LXD_DIR/storage-pools/mem') == tmpfs ]]"
expect memfs-pool-listed bash -c "api GET /1.0/storage-pools/mem | grep -q '\"driver\":\"memfs\"'"
expect memfs-pool-delete bash -c "api DELETE /1.0/storage-pools/mem | grep -q '\"status_code\":200' && ! test -e '$LXD_DIR/storage-pools/mem'"
stop_daemon

mapfile -t ours < <(in_root dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 'lxdpp*' | awk '$1 ~ /^.i/ {print $2}')
expect purge in_root dpkg --purge "${ours[@]}"
expect purged-clean bash -c "[[ ! -e '$root/usr/bin/lxd' && ! -e '$root$plugindir' ]]"
