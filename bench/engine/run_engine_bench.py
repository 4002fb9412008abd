#!/usr/bin/env python3
"""Decode speed at batch 1: polysafe vs llama.cpp (llama-cpp-python) on the same
GGUF, same thread count, in one run. Not a test.

Each side generates 1 and then 1+N tokens greedily from the same prompt (EOS
ignored); the difference of the two wall times divided by N is the decode
time per token, so loading and prefill cancel out. llama.cpp quantises
activations against the quantised weights; polysafe dequantises to f32, so
this is the speed of each engine's default path on the file a user has.

Usage: bench/engine/run_engine_bench.py --bin build/polysafe [--model smollm2-135m-instruct] [--new 64] [--threads 2]
"""
import argparse
import json
import subprocess
import time


def polysafe_seconds(binary, model, prompt, n, threads):
    """Wall time and number of tokens generated (EOS may end a run early)."""
    t0 = time.perf_counter()
    out = subprocess.run([binary, "generate", model, "--prompt", prompt, "--max-new", str(n), "--temperature", "0",
                          "--threads", str(threads), "--json"], check=True, capture_output=True, text=True).stdout
    dt = time.perf_counter() - t0
    return dt, len(json.loads(out.strip().splitlines()[-1])["tokens"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--new", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    path = subprocess.run([a.bin, "models", "--json"], check=True, capture_output=True, text=True).stdout
    path = next(m["path"] for m in json.loads(path) if m["name"] == a.model)
    prompt = "The history of the printing press begins"

    long_t, long_n = polysafe_seconds(a.bin, a.model, prompt, a.new + 1, a.threads)
    short_t, short_n = polysafe_seconds(a.bin, a.model, prompt, 1, a.threads)
    ours = (long_t - short_t) / (long_n - short_n)

    from llama_cpp import Llama
    llm = Llama(model_path=path, n_threads=a.threads, n_ctx=512, verbose=False)

    def lc(n):
        llm.reset()
        t0 = time.perf_counter()
        out = llm.create_completion(prompt, max_tokens=n, temperature=0.0)
        return time.perf_counter() - t0, out["usage"]["completion_tokens"]

    lc(2)  # warm up
    (lt, ln), (st, sn) = lc(a.new + 1), lc(1)
    peer = (lt - st) / (ln - sn)
    print(f"{a.model}, batch 1 decode, {a.threads} threads: polysafe {1 / ours:.1f} tok/s, "
          f"llama.cpp {1 / peer:.1f} tok/s, ratio polysafe/llama.cpp = {peer / ours:.2f}")


if __name__ == "__main__":
    main()
