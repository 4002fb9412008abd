#!/usr/bin/env python3
"""Writes llama.cpp reference vectors for the engine parity tests.

1. Reference models (not committed; in --cache, default $POLYSAFE_CACHE/engine-ref
   or ~/.cache/polysafe/engine-ref):
   - F32 copies of both default models: `polysafe convert NAME --type f32`
     (llama.cpp quantises activations when it multiplies by quantised weights,
     so the dequantised model is the exact reference for an fp32 engine);
   - random-weight fixtures: `polysafe convert --random-arch A --seed S`
     (llama, qwen2, command-r with SmolLM2's tokenizer), deterministic, so CI
     regenerates the same bytes (sha256 in manifest.json) with polysafe alone.
2. With llama-cpp-python (logits_all, n_threads=1, one sequence at a time) on
   each reference model, for the prompts of engine_prompts.py:
   - "logits": per position, top-N ids and logits, logsumexp, max and min logit;
   - "greedy": a 32-token greedy continuation (argmax, lowest id on ties; no
     stop at EOS), with the chosen token's log-prob and its margin over the
     runner-up at each step;
   - "score": per-token log-probs of a continuation given a context.
   And the same "logits" (top-5) and "greedy" data on the ORIGINAL quantised
   GGUFs (reported without a bar).

Output: tests/fixtures/engine/<model>.<variant>.jsonl and manifest.json; the format
is documented in tests/fixtures/engine/README.md.

Usage: python3 scripts/reference/engine_vectors.py [--polysafe BIN] [--cache DIR]
       [--only NAME ...] [--out DIR]
"""

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_prompts  # noqa: E402
import tokenizer_vectors  # noqa: E402  (default model discovery)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
N_CTX = 128
GREEDY_TOKENS = 32
TOP_N = 10          # F32 references and fixtures
TOP_N_QUANT = 5     # original quantised models
SIG = 7             # significant digits of stored floats (float32 has ~7.2)
# One thread: on this shared 2-core machine ggml's spinning thread barrier made
# 2 threads ~200x slower per decoded token under load (0.59 s vs 2.8 ms on the
# qwen2 fixture). Each F32 dot product is computed by one thread either way.
KV_TYPE_F32 = 0  # GGML_TYPE_F32
N_THREADS = int(os.environ.get("ENGINE_REF_THREADS", "1"))

# Random fixtures: name -> polysafe convert arguments (defaults: 2 layers,
# embedding 64, 4 heads, 2 kv heads, ffn 128; tokenizer of SmolLM2).
FIXTURES = {
    "random-llama": {"arch": "llama", "seed": 1},
    "random-qwen2": {"arch": "qwen2", "seed": 2},
    "random-command-r": {"arch": "command-r", "seed": 3},
}


def r(x):
    """Round to SIG significant digits (as a JSON number)."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"non-finite value {x}")
    return float(f"{x:.{SIG}g}")


def sha256_file(path):
    return tokenizer_vectors.sha256_file(path)


def run(cmd):
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)


def logsumexp(row):
    row = row.astype(np.float64)
    m = row.max()
    return m + math.log(np.exp(row - m).sum())


def top(row, n):
    """The n highest logits: descending, ascending id on ties (what a stable
    argsort of -row gives), without sorting the whole vocabulary."""
    n = min(n, row.shape[0])
    kth = np.partition(row, row.shape[0] - n)[row.shape[0] - n]
    cand = np.nonzero(row >= kth)[0]
    idx = cand[np.lexsort((cand, -row[cand]))][:n]
    return [int(i) for i in idx], [r(row[i]) for i in idx]


class Ref:
    def __init__(self, path):
        import llama_cpp
        self.llm = llama_cpp.Llama(model_path=path, logits_all=True, n_ctx=N_CTX, n_batch=N_CTX, n_ubatch=N_CTX,
                                   n_threads=N_THREADS, n_threads_batch=N_THREADS, embedding=False, verbose=False, seed=0,
                                   # F32 KV cache: llama.cpp's default F16 cache rounds K, V (and, in the
                                   # attention products, Q and the softmax output) to f16, which an fp32
                                   # reference must not do.
                                   type_k=KV_TYPE_F32, type_v=KV_TYPE_F32)

    def tokenize(self, text, add_special):
        return self.llm.tokenize(text.encode("utf-8"), add_bos=add_special, special=False)

    def eval(self, tokens):
        """Logits of every position of tokens (a fresh sequence), float32 [n, V]."""
        self.llm.reset()
        self.llm.eval(tokens)
        return np.array(self.llm.scores[:len(tokens)], dtype=np.float32)

    def greedy(self, tokens, n):
        self.llm.reset()
        self.llm.eval(tokens)
        out, lps, margins = [], [], []
        for _ in range(n):
            row = np.array(self.llm.scores[self.llm.n_tokens - 1], dtype=np.float32)
            t = int(np.argmax(row))  # first maximum: lowest id on ties
            ids, vals = top(row, 2)
            out.append(t)
            lps.append(r(float(row[t]) - logsumexp(row)))
            margins.append(r(vals[0] - vals[1]))
            self.llm.eval([t])
        return out, lps, margins


def write_model_vectors(name, variant, path, out_dir, top_n, with_scores):
    t0 = time.time()
    ref = Ref(path)
    t_load = time.time() - t0
    out_path = os.path.join(out_dir, f"{name}.{variant}.jsonl")
    n_pos = 0
    with open(out_path, "w", encoding="utf-8") as f:
        import llama_cpp
        f.write(json.dumps({
            "kind": "header", "model": name, "variant": variant, "file": os.path.basename(path),
            "sha256": sha256_file(path), "reference": f"llama-cpp-python {llama_cpp.__version__}",
            "n_ctx": N_CTX, "n_threads": N_THREADS, "kv_cache": "f32", "top_n": top_n, "greedy_tokens": GREEDY_TOKENS, "significant_digits": SIG,
            "tokenize": "llama_tokenize(text, add_special=True, parse_special=False)",
        }, ensure_ascii=False) + "\n")
        t1 = time.time()
        for pid, lang, text in engine_prompts.PROMPTS:
            toks = ref.tokenize(text, True)
            logits = ref.eval(toks)
            rec = {"kind": "logits", "id": pid, "lang": lang, "text": text, "tokens": toks,
                   "top_ids": [], "top_logits": [], "lse": [], "max": [], "min": []}
            for row in logits:
                ids, vals = top(row, top_n)
                rec["top_ids"].append(ids)
                rec["top_logits"].append(vals)
                rec["lse"].append(r(logsumexp(row)))
                rec["max"].append(r(row.max()))
                rec["min"].append(r(row.min()))
            n_pos += len(toks)
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
        t_logits = time.time() - t1
        t2 = time.time()
        for pid, lang, text in engine_prompts.PROMPTS:
            toks = ref.tokenize(text, True)
            cont, lps, margins = ref.greedy(toks, GREEDY_TOKENS)
            f.write(json.dumps({"kind": "greedy", "id": pid, "lang": lang, "tokens": toks, "continuation": cont,
                                "logprobs": lps, "margins": margins}, separators=(",", ":")) + "\n")
        t_greedy = time.time() - t2
        t3 = time.time()
        if with_scores:
            for sid, lang, ctx, cont in engine_prompts.SCORE_PAIRS:
                ctx_t = ref.tokenize(ctx, True)
                cont_t = ref.tokenize(cont, False)
                logits = ref.eval(ctx_t + cont_t)
                lps = []
                for i, t in enumerate(cont_t):
                    row = logits[len(ctx_t) + i - 1]
                    lps.append(r(float(row[t]) - logsumexp(row)))
                f.write(json.dumps({"kind": "score", "id": sid, "lang": lang, "context": ctx, "continuation": cont,
                                    "context_tokens": ctx_t, "continuation_tokens": cont_t, "logprobs": lps,
                                    "sum": r(sum(lps))}, ensure_ascii=False, separators=(",", ":")) + "\n")
        t_score = time.time() - t3
    del ref
    size = os.path.getsize(out_path)
    print(f"{out_path}: {len(engine_prompts.PROMPTS)} prompts, {n_pos} positions, {size / 1e6:.2f} MB; "
          f"load {t_load:.1f}s, logits {t_logits:.1f}s, greedy {t_greedy:.1f}s, score {t_score:.1f}s",
          file=sys.stderr)
    return {"file": os.path.basename(out_path), "bytes": size, "positions": n_pos}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--polysafe", default=os.environ.get("POLYSAFE_BIN", os.path.join(ROOT, "build", "src", "polysafe")))
    cache = os.environ.get("POLYSAFE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "polysafe")
    ap.add_argument("--cache", default=os.path.join(cache, "engine-ref"))
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "engine"))
    ap.add_argument("--only", action="append", default=[], help="model or fixture names to regenerate")
    ap.add_argument("--exact-gelu", action="store_true",
                    help="write only <model>.f32-exact-gelu.jsonl for the default models, with the llama.cpp in "
                         "$LLAMA_CPP_LIB_PATH (scripts/reference/build-llama-cpp-exact-gelu.sh)")
    args = ap.parse_args()
    if args.exact_gelu and not os.environ.get("LLAMA_CPP_LIB_PATH"):
        ap.error("--exact-gelu: set LLAMA_CPP_LIB_PATH to the output of build-llama-cpp-exact-gelu.sh")
    os.makedirs(args.cache, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    want = lambda n: not args.only or n in args.only  # noqa: E731

    manifest_path = os.path.join(args.out, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    manifest.update({"generator": "scripts/reference/engine_vectors.py", "n_ctx": N_CTX,
                     "greedy_tokens": GREEDY_TOKENS, "prompts": len(engine_prompts.PROMPTS),
                     "languages": sorted({p[1] for p in engine_prompts.PROMPTS}),
                     "score_pairs": len(engine_prompts.SCORE_PAIRS)})
    manifest.setdefault("models", {})
    manifest.setdefault("fixtures", {})
    t_all = time.time()

    originals = tokenizer_vectors.default_model_paths()
    for name in sorted(originals):
        if not want(name):
            continue
        src = originals[name]
        f32 = os.path.join(args.cache, f"{name}.f32.gguf")
        if args.exact_gelu:
            if not os.path.exists(f32):
                run([args.polysafe, "convert", src, "--type", "f32", "--out", f32])
            entry = manifest["models"].setdefault(name, {})
            entry["f32_exact_gelu"] = write_model_vectors(name, "f32-exact-gelu", f32, args.out, TOP_N, True)
            entry["f32_exact_gelu"]["llama_cpp"] = ("llama-cpp-python 0.3.36's llama.cpp with GGML_GELU_FP16 off "
                                                    "(scripts/reference/build-llama-cpp-exact-gelu.sh)")
            continue
        t = time.time()
        run([args.polysafe, "convert", src, "--type", "f32", "--out", f32])
        print(f"converted {name} to F32 in {time.time() - t:.1f}s", file=sys.stderr)
        entry = {"source_file": os.path.basename(src), "source_sha256": sha256_file(src),
                 "convert": f"polysafe convert {name} --type f32",
                 "f32_sha256": sha256_file(f32)}
        entry["f32"] = write_model_vectors(name, "f32", f32, args.out, TOP_N, True)
        entry["quant"] = write_model_vectors(name, "quant", src, args.out, TOP_N_QUANT, True)
        manifest["models"][name] = entry

    for name, spec in FIXTURES.items():
        if args.exact_gelu or not want(name):
            continue
        path = os.path.join(args.cache, f"{name}.gguf")
        cmd = [args.polysafe, "convert", originals["smollm2-135m-instruct"], "--random-arch", spec["arch"],
               "--seed", str(spec["seed"]), "--out", path]
        run(cmd)
        entry = {"arch": spec["arch"], "seed": spec["seed"], "tokenizer": "smollm2-135m-instruct",
                 "convert": f"polysafe convert smollm2-135m-instruct --random-arch {spec['arch']} "
                            f"--seed {spec['seed']} --out {name}.gguf",
                 "sha256": sha256_file(path), "bytes": os.path.getsize(path)}
        entry["f32"] = write_model_vectors(name, "f32", path, args.out, TOP_N, True)
        manifest["fixtures"][name] = entry

    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, x)) for x in os.listdir(args.out))
    print(f"done in {time.time() - t_all:.0f}s; {args.out}: {total / 1e6:.2f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
