#!/usr/bin/env bash
# Developer tools that regenerate the committed llama.cpp reference vectors
# (tests/fixtures/...). Not needed to build or test polysafe: llama-cpp-python
# compiles llama.cpp from its source package (~15 min on 2 cores).
set -euo pipefail
PY="${PYTHON:-python3}"
"$PY" -c "import llama_cpp" 2>/dev/null && { echo "llama-cpp-python present"; exit 0; }
CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
  "$PY" -m pip install llama-cpp-python==0.3.36
