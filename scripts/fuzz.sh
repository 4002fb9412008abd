#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (ASan + UBSan) and runs each one for
# SECONDS (default 600) on its corpus in fuzz/corpus/<harness>/, in parallel
# JOBS at a time (default: number of cores). New inputs that add coverage are
# merged back into the committed corpus (minimised), crashes land in
# fuzz/artifacts/. Usage: scripts/fuzz.sh [SECONDS] [harness...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH="${1:-600}"; shift || true
BUILD="$ROOT/build-fuzz"
JOBS="${JOBS:-$(nproc)}"

CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPOLYSAFE_FUZZ=ON -DPOLYSAFE_TESTS=OFF >/dev/null
harnesses=("$@")
if [ "${#harnesses[@]}" -eq 0 ]; then
  for f in "$ROOT"/fuzz/fuzz_*.cpp; do harnesses+=("$(basename "$f" .cpp)"); done
fi
cmake --build "$BUILD" -j "$(nproc)" --target "${harnesses[@]}"

mkdir -p "$ROOT/fuzz/artifacts" "$ROOT/fuzz/logs"
run_one() {
  local h="$1"
  local corpus="$ROOT/fuzz/corpus/$h" work="$ROOT/fuzz/corpus-work/$h"
  mkdir -p "$corpus" "$work"
  local dict=()
  [ -f "$ROOT/fuzz/$h.dict" ] && dict=(-dict="$ROOT/fuzz/$h.dict")
  # -timeout flags hangs (a parser must never loop); -rss_limit_mb flags runaway allocation.
  "$BUILD/fuzz/$h" "$work" "$corpus" "${dict[@]}" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$ROOT/fuzz/artifacts/$h-" >"$ROOT/fuzz/logs/$h.log" 2>&1
  local rc=$?
  # Keep the committed corpus small: merge the work corpus into a minimal set.
  local minimal="$ROOT/fuzz/corpus-work/$h.min"; rm -rf "$minimal"; mkdir -p "$minimal"
  "$BUILD/fuzz/$h" -merge=1 "$minimal" "$corpus" "$work" >/dev/null 2>&1 || true
  rm -rf "$corpus" && mv "$minimal" "$corpus"
  echo "$h: exit $rc, $(grep -E '^stat::number_of_executed_units' "$ROOT/fuzz/logs/$h.log" | awk '{print $2}') runs, corpus $(ls "$corpus" | wc -l) files"
  return $rc
}
export -f run_one; export ROOT BUILD SECONDS_EACH
status=0
printf '%s\n' "${harnesses[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one {}' || status=$?
if ls "$ROOT"/fuzz/artifacts/* >/dev/null 2>&1; then
  echo "fuzz: findings in fuzz/artifacts/"; status=1
fi
exit $status
