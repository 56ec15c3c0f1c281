#!/bin/bash
# Configures and builds into build/ (the daemon is build/host/lxd, plugins are in build/plugins).
# The prefix is the packages' (/usr), so the packages test can package this very tree.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$top/build" -j"$(nproc)"
