#!/usr/bin/env bash
# Installs the three peers of the orchestration benchmark (inspect-ai, garak,
# promptfoo) as dev tools outside the project: two Python venvs under
# $POLYSAFE_BENCH_HOME/bench-venv/ and an npm prefix under
# $POLYSAFE_BENCH_HOME/bench-npm/ (default ~/.cache/polysafe). They are never
# runtime dependencies of polysafe. Idempotent: a peer already installed at the
# pinned version is left alone.
#
#   bench/orchestration/setup_peers.sh [inspect-ai] [garak] [promptfoo]   (default: all three)
#
# Why two venvs: garak 0.17.1 requires openai>=2,<3 and inspect-ai 0.3.285
# refuses to talk to OpenAI with openai<3.4, so they cannot share one.
#
# Why garak is installed with --no-deps: its declared dependencies pull torch,
# CUDA wheels, transformers, langchain, litellm and ~120 more packages (several
# GB). The benchmark only drives its OpenAI-compatible generator, a fixed
# probe and the always.Pass detector; the packages listed in GARAK_DEPS are
# exactly the ones those imports need (found by running it until nothing was
# missing).
set -euo pipefail

HOME_DIR="${POLYSAFE_BENCH_HOME:-$HOME/.cache/polysafe}"
VENV_ROOT="$HOME_DIR/bench-venv"
NPM_PREFIX="$HOME_DIR/bench-npm"
PYTHON="${PYTHON:-python3}"

INSPECT_VERSION=0.3.285
INSPECT_DEPS=("openai==3.57.0" "psutil==7.2.2")
GARAK_VERSION=0.17.1
GARAK_DEPS=(
  "openai==2.54.0" "backoff==2.2.1" "tqdm==4.70.1" "colorama==0.4.6" "xdg-base-dirs==6.0.3"
  "jsonpath-ng==1.16.0" "nltk==3.10.4" "langdetect==1.0.9" "Markdown==3.11.3" "PyYAML==6.0.4"
  "requests==2.34.2" "aiohttp==3.14.5" "numpy==2.4.6"
)
# promptfoo 0.122 and later need Node >= 22.22; 0.121.x is the newest line
# that still runs on Node 20.20 (Debian's node here). On Node 22 a newer one
# works the same way: PROMPTFOO_VERSION=0.123.1 setup_peers.sh promptfoo.
PROMPTFOO_VERSION="${PROMPTFOO_VERSION:-0.121.20}"

installed_version() {  # venv, distribution
  "$1/bin/python" -c "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))" "$2" 2>/dev/null || true
}

make_venv() {
  [ -x "$1/bin/python" ] || "$PYTHON" -m venv "$1"
}

setup_inspect() {
  local venv="$VENV_ROOT/inspect-ai"
  make_venv "$venv"
  if [ "$(installed_version "$venv" inspect-ai)" != "$INSPECT_VERSION" ]; then
    "$venv/bin/pip" install --disable-pip-version-check -q "inspect-ai==$INSPECT_VERSION" "${INSPECT_DEPS[@]}"
  fi
  echo "inspect-ai $(installed_version "$venv" inspect-ai) (openai $(installed_version "$venv" openai)) in $venv"
}

setup_garak() {
  local venv="$VENV_ROOT/garak"
  make_venv "$venv"
  if [ "$(installed_version "$venv" garak)" != "$GARAK_VERSION" ]; then
    "$venv/bin/pip" install --disable-pip-version-check -q --no-deps "garak==$GARAK_VERSION"
  fi
  # Cheap when already satisfied; pip warns that garak's full dependency list
  # is not met, which is intended (see the header).
  "$venv/bin/pip" install --disable-pip-version-check -q "${GARAK_DEPS[@]}" 2>&1 |
    grep -v -e "requires .*, which is not installed" -e "dependency resolver does not currently" || true
  echo "garak $(installed_version "$venv" garak) (--no-deps + ${#GARAK_DEPS[@]} packages) in $venv"
}

setup_promptfoo() {
  mkdir -p "$NPM_PREFIX"
  [ -f "$NPM_PREFIX/package.json" ] || echo '{"name":"polysafe-bench-peers","private":true}' >"$NPM_PREFIX/package.json"
  local have=""
  if [ -f "$NPM_PREFIX/node_modules/promptfoo/package.json" ]; then
    have=$(node -p "require('$NPM_PREFIX/node_modules/promptfoo/package.json').version")
  fi
  if [ "$have" != "$PROMPTFOO_VERSION" ]; then
    (cd "$NPM_PREFIX" && npm install --no-audit --no-fund --save-exact "promptfoo@$PROMPTFOO_VERSION")
  fi
  echo "promptfoo $(node -p "require('$NPM_PREFIX/node_modules/promptfoo/package.json').version") (node $(node --version)) in $NPM_PREFIX"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(inspect-ai garak promptfoo)
mkdir -p "$VENV_ROOT"
for t in "${targets[@]}"; do
  case "$t" in
    inspect-ai | inspect) setup_inspect ;;
    garak) setup_garak ;;
    promptfoo) setup_promptfoo ;;
    *) echo "setup_peers.sh: unknown peer '$t' (inspect-ai, garak, promptfoo)" >&2; exit 2 ;;
  esac
done
