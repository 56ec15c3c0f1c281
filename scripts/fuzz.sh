#!/bin/bash
# Builds the libFuzzer targets of fuzz/ in build-fuzz/ (clang, ASan, UBSan) and runs them.
#   scripts/fuzz.sh --short          every target ~20 s (CI), then its seeds as a regression run
#   scripts/fuzz.sh --long [SECONDS] every target SECONDS (default 600), one after the other
#   scripts/fuzz.sh --build          only build
#   TARGETS="fuzz_filter ..." limits the run to those targets.
# New inputs found go to build-fuzz/corpus/<target>/ (not the repo's seeds); a crash leaves
# build-fuzz/findings/<target>/crash-* and fails the run: fix the bug, then add the input to
# fuzz/corpus/<target>/ as a regression seed. Stats of each run: build-fuzz/findings/<target>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:---short}
case $mode in
  --short) seconds=20 ;;
  --long) seconds=${2:-600} ;;
  --build) seconds=0 ;;
  *) echo "usage: $0 --short | --long [SECONDS] | --build" >&2; exit 2 ;;
esac

build=build-fuzz
if [[ ! -f $build/CMakeCache.txt ]]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  CC=clang CXX=clang++ cmake -S . -B "$build" -DLXDP_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
fi
cmake --build "$build" --target fuzz_targets -j2
[[ $seconds == 0 ]] && exit 0

targets=${TARGETS:-$(sed -n 's/^lxdp_fuzz_target(\([a-z_]*\).*/\1/p' fuzz/CMakeLists.txt)}
failed=()
for t in $targets; do
  corpus=$build/corpus/$t findings=$build/findings/$t
  mkdir -p "$corpus" "$findings"
  # Leaks are reported too (ASan's default); a run stops at its first finding.
  if "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$findings/" -print_final_stats=1 "$corpus" "fuzz/corpus/$t" >"$build/findings/$t.log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/findings/$t.log")
    echo "ok   $t: $execs execs in ${seconds}s, 0 findings"
  else
    failed+=("$t")
    echo "FAIL $t: see $build/findings/$t.log"
    grep -m1 -E "ERROR|runtime error|deadly signal" "$build/findings/$t.log" | sed 's/^/     | /' || true
  fi
done
[[ ${#failed[@]} == 0 ]]
