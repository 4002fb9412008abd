#!/usr/bin/env python3
"""Tokenizer throughput: polysafe vs HuggingFace `tokenizers`, one thread each.

Builds the corpus from ../shared/data (the parity-test strings of
scripts/reference/tokenizer_cases.py), makes tokenizer.json files from the
default models' GGUF vocabularies (scripts/reference/make_tokenizer_json.py),
then times encoding of the whole corpus (best of --repeat) with the C++
bench_tokenizer binary and with tokenizers' Python binding (hf_tokenize.py
--bench; RAYON_NUM_THREADS=1) and prints tokens/second and the ratio. Also
times polysafe loading the GGUF directly (llama.cpp semantics), for reference.

Usage: bench/tokenizer/run_tokenizer_bench.py --bin BUILD/bench/tokenizer/bench_tokenizer [--repeat 5]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
import tokenizer_cases  # noqa: E402
import tokenizer_vectors  # noqa: E402


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def llama_cpp_tokens_per_second(model_path, texts, repeat):
    """llama.cpp's own tokenizer on the same GGUF (one call per string), when
    llama-cpp-python is installed (scripts/install-reference-tools.sh)."""
    try:
        import time
        from llama_cpp import Llama
    except ImportError:
        return None
    llm = Llama(model_path=model_path, vocab_only=True, verbose=False)
    data = [t.encode("utf-8") for t in texts]
    best, n = None, 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = sum(len(llm.tokenize(b, add_bos=True, special=False)) for b in data)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return n / best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    a = ap.parse_args()
    env = dict(os.environ, RAYON_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1")
    models = tokenizer_vectors.default_model_paths()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.json")
        texts = [c["text"].decode("utf-8") for c in tokenizer_cases.all_cases(os.path.abspath(a.data))]
        json.dump(texts, open(corpus, "w", encoding="utf-8"), ensure_ascii=False)
        print(f"corpus: {len(texts)} strings, {sum(len(t.encode()) for t in texts)} bytes, 1 thread each")
        for name, kind in [("smollm2-135m-instruct", "bytelevel"), ("gemma3-270m", "spm-bpe")]:
            tj = os.path.join(tmp, f"{name}.tokenizer.json")
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts/reference/make_tokenizer_json.py"),
                            "--gguf", models[name], "--kind", kind, "--out", tj], check=True)
            ours = run_json([a.bin, "--tokenizer-json", tj, "--corpus", corpus, "--repeat", str(a.repeat)], env)
            hf = run_json([sys.executable, os.path.join(ROOT, "scripts/reference/hf_tokenize.py"), "--bench", tj,
                           corpus, "--repeat", str(a.repeat)], env)
            gg = run_json([a.bin, "--gguf", models[name], "--corpus", corpus, "--repeat", str(a.repeat)], env)
            lc = llama_cpp_tokens_per_second(models[name], texts, a.repeat)
            print(f"{name} ({kind} tokenizer.json): polysafe {ours['tokens_per_second']:,.0f} tok/s, "
                  f"HF tokenizers {hf['tokens_per_second']:,.0f} tok/s, ratio polysafe/HF = "
                  f"{ours['tokens_per_second'] / hf['tokens_per_second']:.2f}  "
                  f"(HF per call {hf['per_call_tokens_per_second']:,.0f}, batch {hf['batch_tokens_per_second']:,.0f})")
            line = f"  {name} GGUF (llama.cpp rules): polysafe {gg['tokens_per_second']:,.0f} tok/s"
            if lc:
                line += (f", llama.cpp via llama-cpp-python {lc:,.0f} tok/s, ratio polysafe/llama.cpp = "
                         f"{gg['tokens_per_second'] / lc:.2f}")
            print(line)


if __name__ == "__main__":
    main()
