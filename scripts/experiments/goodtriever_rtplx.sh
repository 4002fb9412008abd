#!/usr/bin/env bash
# Goodtriever on Gemma 3 270M with RTP-LX (docs/detox.md, "Experiment"):
#   1. split RTP-LX by Index (80% of Indexes feed the datastores, 20% are test prompts);
#   2. build toxic and non-toxic datastores from five languages, leaving LEAVE_OUT out;
#   3. continue the held-out toxic prompts of all six languages: plain decoding, then
#      Goodtriever with the five-language stores;
#   4. `datastore add` the left-out language to both stores and measure again.
# Usage: scripts/experiments/goodtriever_rtplx.sh OUT [PROMPTS_PER_LANG] [N] [MAX_NEW]
# Resumable: re-running skips finished stores and conditions and resumes runs from OUT/runs.
set -euo pipefail
OUT=${1:?usage: goodtriever_rtplx.sh OUT [PROMPTS_PER_LANG] [N] [MAX_NEW]}
P=${2:-20}; N=${3:-10}; MAX_NEW=${4:-20}
LANGS=${LANGS:-en,ru,ar,hi,ja,ko}
LEAVE_OUT=${LEAVE_OUT:-ko}
MODEL=${MODEL:-gemma3-270m}
BIN=${POLYSAFE:-$(dirname "$0")/../../build/polysafe}
mkdir -p "$OUT"
python3 "$(dirname "$0")/rtplx_split.py" --langs "$LANGS" "$OUT/split"

store() {  # store KIND: build from the first kept language, add the others
  local kind=$1 dir=$OUT/$1 first=1
  [ -f "$dir/manifest.json" ] && return 0
  for lang in ${LANGS//,/ }; do
    [ "$lang" = "$LEAVE_OUT" ] && continue
    if [ $first = 1 ]; then
      "$BIN" datastore build "$dir" --model "$MODEL" --corpus "$OUT/split/$kind-$lang.jsonl" --source "rtplx-$lang"
      first=0
    else
      "$BIN" datastore add "$dir" --model "$MODEL" --corpus "$OUT/split/$kind-$lang.jsonl" --source "rtplx-$lang"
    fi
  done
}
store toxic
store nontoxic

PROMPTS="jsonl:$OUT/split/test.jsonl?text=text&lang=lang&id=id&parallel=parallel"
evaluate() {  # evaluate NAME [detox flags...]
  local name=$1; shift
  # A finished condition is kept: after `datastore add` the five-language run's
  # stores no longer exist, and its run id (which names the stores) would change.
  if [ -s "$OUT/$name.json" ] && [ -s "$OUT/$name.run" ]; then echo "$name: done, run $(cat "$OUT/$name.run")"; return 0; fi
  "$BIN" eval toxicity --model "local:$MODEL" --prompts "$PROMPTS" --langs "$LANGS" --limit "$P" --n "$N" \
    --max-new "$MAX_NEW" --run-dir "$OUT/runs" --json "$@" > "$OUT/$name.json" 2> "$OUT/$name.log"
  grep -m1 -o 'run tx-[0-9a-f]*' "$OUT/$name.log" | cut -d' ' -f2 > "$OUT/$name.run"
  echo "$name: run $(cat "$OUT/$name.run")"
}
evaluate plain
evaluate goodtriever-without-$LEAVE_OUT --detox "$OUT/toxic" --nontoxic "$OUT/nontoxic"
# The continual update: the left-out language joins both stores, no rebuild.
for kind in toxic nontoxic; do
  if ! grep -q "\"rtplx-$LEAVE_OUT\"" "$OUT/$kind/manifest.json"; then
    "$BIN" datastore add "$OUT/$kind" --model "$MODEL" --corpus "$OUT/split/$kind-$LEAVE_OUT.jsonl" --source "rtplx-$LEAVE_OUT"
  fi
done
evaluate goodtriever-all --detox "$OUT/toxic" --nontoxic "$OUT/nontoxic"
# Paired changes (reports with HTML, Markdown and JSON next to the runs) and the tables.
compare() {  # compare BEFORE AFTER
  "$BIN" report "$(cat "$OUT/$1.run")" "$(cat "$OUT/$2.run")" --run-dir "$OUT/runs" \
    --md "$OUT/$1--$2.md" --json "$OUT/$1--$2.json" > /dev/null
}
compare plain goodtriever-all
compare goodtriever-without-$LEAVE_OUT goodtriever-all
compare plain goodtriever-without-$LEAVE_OUT
python3 "$(dirname "$0")/toxicity_tables.py" plain="$OUT/plain.json" \
  "without $LEAVE_OUT"="$OUT/goodtriever-without-$LEAVE_OUT.json" "$LEAVE_OUT added"="$OUT/goodtriever-all.json" \
  "delta:plain -> Goodtriever"="$OUT/plain--goodtriever-all.json" \
  "delta:without $LEAVE_OUT -> $LEAVE_OUT added"="$OUT/goodtriever-without-$LEAVE_OUT--goodtriever-all.json" \
  | tee "$OUT/tables.md"
