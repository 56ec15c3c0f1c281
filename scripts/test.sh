#!/bin/bash
# Installs the dependencies, builds, and runs every test: the unit and integration tests
# (ctest), a short run of every fuzz target, then the acceptance scenarios of tests/acceptance-scenarios with the real lxc client.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[[ $(id -u) == 0 ]] || { echo "run as root: containers, mounts and bridges need it" >&2; exit 1; }
"$top/scripts/install-deps.sh" || exit 1
"$top/scripts/build.sh" || exit 1
status=0
(cd "$top/build" && ctest --output-on-failure --timeout 600) || status=1
# Each fuzz target ~20 s over its seeds and what it finds (build-fuzz/, clang with ASan/UBSan).
"$top/scripts/fuzz.sh" --short || status=1
# The acceptance scenarios CI covers: ../shared/acceptance/run.sh on the built daemon
# (ACCEPTANCE_DIR points elsewhere when shared/ is not beside the checkout).
acceptance=${ACCEPTANCE_DIR:-$top/../shared/acceptance}
mapfile -t scenarios < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/tests/acceptance-scenarios")
"$acceptance/run.sh" "$top/build/host/lxd" "${scenarios[@]}" || status=1
exit $status
