#!/usr/bin/env bash
# Builds the default local toxicity scorer into the cache:
#   ${XDG_CACHE_HOME:-~/.cache}/polysafe/toxicity/default.{ftz,json}
# 1. scripts/data/prepare_toxicity_data.py turns RTP-LX, Multilingual HateCheck
#    and MLMA (../shared/data) into train / calibration / test JSONL in the cache;
# 2. `polysafe scorer train` fits fastText on train, Platt scaling on calibration.
# Idempotent: skips the work when the model exists and was built from the same
# data and options (stamp file); FORCE=1 rebuilds. About a minute on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${POLYSAFE_BIN:-${POLYSAFE_BUILD_DIR:-$ROOT/build}/polysafe}"
PY="${PYTHON:-python3}"
CACHE="${POLYSAFE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/polysafe}"
DATA_DIR="$CACHE/toxicity-data"
MODEL="${POLYSAFE_TOXICITY_MODEL:-$CACHE/toxicity/default}"
SHARED="${POLYSAFE_SHARED_DATA:-$ROOT/../shared/data}"
# Chosen on the calibration split (docs/judges/toxicity.md); 2 threads for speed
# (fastText's Hogwild training is then not bit-reproducible, only statistically).
TRAIN_OPTS=(--dim 50 --epoch 4 --lr 0.2 --word-ngrams 2 --minn 2 --maxn 5 --bucket 400000 --loss softmax
            --threads "${POLYSAFE_THREADS:-2}" --seed 1)

log() { printf '\033[1m[toxicity]\033[0m %s\n' "$*"; }
[ -x "$BIN" ] || { echo "build-default-scorer: $BIN not found (build polysafe first, or set POLYSAFE_BIN)" >&2; exit 1; }

"$PY" "$ROOT/scripts/data/prepare_toxicity_data.py" --shared-data "$SHARED" --out "$DATA_DIR" >/dev/null

stamp_now="$(cat "$ROOT/scripts/data/prepare_toxicity_data.py" "$DATA_DIR/manifest.json" <(echo "${TRAIN_OPTS[*]}") | sha256sum | cut -c1-64)"
stamp_file="$MODEL.stamp"
if [ "${FORCE:-0}" != "1" ] && [ -f "$MODEL.json" ] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp_now" ]; then
  log "default toxicity scorer up to date: $MODEL.json"
  exit 0
fi

# Attribution travels inside the model's sidecar.
INFO="$(mktemp)"
trap 'rm -f "$INFO"' EXIT
"$PY" - "$DATA_DIR/manifest.json" > "$INFO" <<'PYEOF'
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
print(json.dumps({"description": "RTP-LX + Multilingual HateCheck + MLMA, binary toxic/non-toxic; split by group hash 70/10/20",
                  "preparation": "scripts/data/prepare_toxicity_data.py",
                  "split": m["split"], "sources": m["sources"],
                  "counts": {k: {"rows": v["rows"], "toxic": v["toxic"]} for k, v in m["counts"].items()}}))
PYEOF

log "training the default toxicity scorer -> $MODEL"
mkdir -p "$(dirname "$MODEL")"
"$BIN" scorer train --data "$DATA_DIR/train.jsonl" --calibration "$DATA_DIR/calibration.jsonl" \
  --lang-field lang --data-info "$INFO" --out "$MODEL" "${TRAIN_OPTS[@]}"
echo "$stamp_now" > "$stamp_file"
