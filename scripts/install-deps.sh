#!/bin/bash
# Installs what building, running and testing need, from Debian 12's packages.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libpoco-dev libssl-dev lxc-dev lxc libseccomp-dev libcap-dev libudev-dev libyaml-cpp-dev
  libboost-dev libboost-filesystem-dev libgtest-dev libarchive-dev nlohmann-json3-dev
  lxd-client curl busybox-static file xz-utils btrfs-progs python3-pylxd dnsmasq-base nftables iproute2 rsync
  iptables  # the xtables firewall where nft is missing (iptables, ip6tables, ebtables): network_xtables_test
  squashfs-tools  # unsquashfs unpacks split images' squashfs rootfs; the tests make them with mksquashfs
  fuse2fs fuse3  # mount_intercept_test: a real FUSE mount through security.syscalls.intercept.mount.fuse
  clang systemd  # packages_test: an out-of-tree plugin built with clang, systemd-socket-activate
  libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer and the sanitizer runtimes for clang
  jq openssl  # https_trust_test: reads API answers, makes a CA, certificates and a CRL
  abigail-tools  # tests/abi: abidiff of the SDK headers against the frozen 1.0 ones
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# liblxc maps unprivileged containers through newuidmap/newgidmap, which grant root only the
# ranges /etc/subuid and /etc/subgid list. Debian's lxd package adds the same line on install.
for f in /etc/subuid /etc/subgid; do
  grep -q '^root:' "$f" 2>/dev/null || echo 'root:1000000:1000000000' >>"$f"
done
