#!/usr/bin/env bash
# llama.cpp as vendored by llama-cpp-python 0.3.36, built with its CPU GELU
# computed exactly rather than through the f16 lookup table (GGML_GELU_FP16 in
# ggml-cpu/vec.h). It writes the second Gemma 3 reference
# (gemma3-270m.f32-exact-gelu.jsonl): with the table, llama.cpp's output is a
# step function of f32 rounding (docs/engine.md, "Parity with llama.cpp").
# Developer tool, ~10-15 min on 2 cores; prints the directory to pass as
# LLAMA_CPP_LIB_PATH to scripts/reference/engine_vectors.py --exact-gelu.
#   scripts/reference/build-llama-cpp-exact-gelu.sh [DIR]
set -euo pipefail
VERSION=0.3.36
DIR="${1:-${POLYSAFE_CACHE:-$HOME/.cache/polysafe}/llama-cpp-exact-gelu}"
mkdir -p "$DIR"
cd "$DIR"
SDIST="llama_cpp_python-$VERSION.tar.gz"
[ -f "$SDIST" ] || python3 -m pip download --no-binary :all: --no-deps "llama-cpp-python==$VERSION" -d . >&2
rm -rf src && mkdir src && tar xzf "$SDIST" -C src --strip-components=1
VEC=src/vendor/llama.cpp/ggml/src/ggml-cpu/vec.h
if ! grep -q '^#define GGML_GELU_FP16$' "$VEC"; then
  echo "$DIR/$VEC: no '#define GGML_GELU_FP16' line to switch off" >&2
  exit 1
fi
sed -i 's|^#define GGML_GELU_FP16$|/* GGML_GELU_FP16 switched off: GELU computed exactly */|' "$VEC"
cmake -S src/vendor/llama.cpp -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=ON \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF \
  -DLLAMA_CURL=OFF >&2
ninja -C build llama >&2
rm -rf lib && mkdir lib
find build -name '*.so*' \( -type f -o -type l \) -exec cp -P {} lib/ \;
echo "$DIR/lib"
