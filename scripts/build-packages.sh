#!/bin/bash
# Builds the Debian packages into build-pkg/ (or BUILD_DIR): lxdpp, lxdpp-dev and one
# lxdpp-<plugin> per plugin (packaging/CMakeLists.txt). Only what the packages hold is compiled.
# Usage: build-packages.sh [BUILD_DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build-pkg}
# Packages install under /usr; the daemon looks for plugins in <libdir>/lxdpp/plugins/abi1 there.
# cpack then installs the "packaged" target only instead of building everything (tests too) first.
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target packaged
rm -f "$build"/*.deb
(cd "$build" && cpack -G DEB >/dev/null)
ls "$build"/*.deb
