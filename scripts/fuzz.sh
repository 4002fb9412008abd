#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (ASan + UBSan + LeakSanitizer) and
# runs each one for SECONDS (default 600) on its corpus in fuzz/corpus/<harness>/,
# JOBS at a time (default: number of cores). New inputs that add coverage are
# merged back into the committed corpus (minimised); crashes, hangs, leaks and
# out-of-memory inputs land in fuzz/artifacts/<harness>-*. Exits non-zero if any
# harness reported a finding. One line per harness goes to stdout and to
# fuzz/logs/summary.txt: exit status, executions, coverage, corpus size.
# Usage: [JOBS=n] [CORPUS_KB=300] scripts/fuzz.sh [SECONDS] [harness...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_EACH="${1:-600}"; shift || true
BUILD="${BUILD:-$ROOT/build-fuzz}"
JOBS="${JOBS:-$(nproc)}"
CORPUS_KB="${CORPUS_KB:-300}"  # size budget of each committed corpus

CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPOLYSAFE_FUZZ=ON -DPOLYSAFE_TESTS=OFF >/dev/null
harnesses=("$@")
if [ "${#harnesses[@]}" -eq 0 ]; then
  for f in "$ROOT"/fuzz/fuzz_*.cpp; do
    [ "$(basename "$f")" = fuzz_file.cpp ] || harnesses+=("$(basename "$f" .cpp)")  # helper, not a harness
  done
fi
cmake --build "$BUILD" -j "$(nproc)" --target "${harnesses[@]}"

mkdir -p "$ROOT/fuzz/artifacts" "$ROOT/fuzz/logs"
# Findings of an earlier run stay until they are fixed and moved into the corpus.
for h in "${harnesses[@]}"; do
  if compgen -G "$ROOT/fuzz/artifacts/$h-*" >/dev/null; then
    echo "fuzz: $h has unfixed findings in fuzz/artifacts/ (fix, move into fuzz/corpus/$h/ as regression inputs, delete)" >&2
  fi
done

run_one() {
  local h="$1"
  local corpus="$ROOT/fuzz/corpus/$h" work="$ROOT/fuzz/corpus-work/$h" log="$ROOT/fuzz/logs/$h.log"
  mkdir -p "$corpus" "$work"
  local dict=()
  [ -f "$ROOT/fuzz/$h.dict" ] && dict=(-dict="$ROOT/fuzz/$h.dict")
  # -timeout flags hangs (a parser must never loop); -rss_limit_mb flags runaway
  # allocation. New inputs go to the work corpus; the committed one is read here.
  local rc=0
  "$BUILD/fuzz/$h" "$work" "$corpus" "${dict[@]}" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$ROOT/fuzz/artifacts/$h-" >"$log" 2>&1 || rc=$?
  # Keep the committed corpus small: seed-* and regress-* inputs always stay (by
  # name); the rest is merged into a minimal set (libFuzzer keeps the smallest
  # input per coverage feature), then the largest files are dropped until the
  # corpus fits CORPUS_KB. Replace the committed corpus only if the merge worked.
  local minimal="$ROOT/fuzz/corpus-work/$h.min"; rm -rf "$minimal"; mkdir -p "$minimal"
  find "$corpus" -maxdepth 1 -type f \( -name 'seed-*' -o -name 'regress-*' \) -exec cp {} "$minimal"/ \;
  if "$BUILD/fuzz/$h" -merge=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       "$minimal" "$corpus" "$work" >"$ROOT/fuzz/logs/$h.merge.log" 2>&1; then
    local budget=$((CORPUS_KB * 1024)) total size f
    total=$(find "$minimal" -type f \( -name 'seed-*' -o -name 'regress-*' \) -printf '%s\n' | awk '{s+=$1} END {print s+0}')
    while read -r size f; do
      if [ $((total + size)) -gt "$budget" ]; then rm -f "$f"; else total=$((total + size)); fi
    done < <(find "$minimal" -type f ! -name 'seed-*' ! -name 'regress-*' -printf '%s %p\n' | sort -n)
    rm -rf "$corpus" && mv "$minimal" "$corpus"
  else
    echo "$h: corpus merge failed, committed corpus left unchanged (see fuzz/logs/$h.merge.log)" >&2
  fi
  local runs cov secs
  runs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$log")
  secs=$(awk '/Done [0-9]+ runs in/ {for (i=1;i<=NF;i++) if ($i=="in") print $(i+1)}' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  echo "$h: exit $rc, ${secs:-?} s, ${runs:-?} runs, ${cov:-no cov}, corpus $(ls "$corpus" | wc -l) files $(du -sk --apparent-size "$corpus" | cut -f1) KiB" \
    | tee -a "$ROOT/fuzz/logs/summary.txt"
  return $rc
}
export -f run_one; export ROOT BUILD SECONDS_EACH CORPUS_KB
echo "== $(date -u +%FT%TZ) $SECONDS_EACH s each, JOBS=$JOBS: ${harnesses[*]}" >>"$ROOT/fuzz/logs/summary.txt"
status=0
printf '%s\n' "${harnesses[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one {}' || status=$?
for h in "${harnesses[@]}"; do
  if compgen -G "$ROOT/fuzz/artifacts/$h-*" >/dev/null; then
    echo "fuzz: findings for $h in fuzz/artifacts/ (log: fuzz/logs/$h.log)"; status=1
  fi
done
exit $status
