#!/bin/bash
# Configures and builds into build/ (the daemon is build/host/lxd, plugins are in build/plugins).
# The prefix is the packages' (/usr), so the packages test can package this very tree.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
launcher=()
if command -v ccache >/dev/null; then
  # Where ccache is installed (developers' machines; CI does not need it), work trees of this
  # repository share compiled objects: paths are made relative to the tree, and the build folder's
  # path is left out of the hash.
  export CCACHE_BASEDIR="$top" CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr "${launcher[@]}" >/dev/null
cmake --build "$top/build" -j"$(nproc)"
