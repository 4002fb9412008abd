#!/usr/bin/env python3
"""Encodes strings with HuggingFace `tokenizers` (reference for the tokenizer.json tests).

Input: a JSON array of strings. Output: a JSON array of id lists,
tokenizer.encode(text, add_special_tokens=True).ids for each string.
With --bench, instead prints tokens/second of one-thread encoding (see bench/tokenizer).

Usage: hf_tokenize.py TOKENIZER_JSON CASES_JSON OUT_JSON
       hf_tokenize.py --bench TOKENIZER_JSON CASES_JSON [--repeat N]
"""

import json
import os
import sys
import time


def main():
    os.environ.setdefault("RAYON_NUM_THREADS", "1")  # one thread, like the C++ side
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from tokenizers import Tokenizer

    args = sys.argv[1:]
    bench = args and args[0] == "--bench"
    if bench:
        args = args[1:]
    tk = Tokenizer.from_file(args[0])
    texts = json.load(open(args[1], encoding="utf-8"))
    if bench:
        repeat = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 5
        # Two ways to call HF: one encode() per string (what a per-item loop
        # does) and one encode_batch() over the corpus (amortises the Python
        # binding's per-call overhead; RAYON_NUM_THREADS=1 keeps it on one
        # thread). The faster of the two is the peer's number.
        def timed(fn):
            best, n = None, 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                n = fn()
                dt = time.perf_counter() - t0
                best = dt if best is None else min(best, dt)
            return n, best
        n_tokens, t_single = timed(lambda: sum(len(tk.encode(s, add_special_tokens=True).ids) for s in texts))
        _, t_batch = timed(lambda: sum(len(e.ids) for e in tk.encode_batch(texts, add_special_tokens=True)))
        best = min(t_single, t_batch)
        print(json.dumps({"tokens": n_tokens, "seconds": best, "tokens_per_second": n_tokens / best,
                          "per_call_tokens_per_second": n_tokens / t_single,
                          "batch_tokens_per_second": n_tokens / t_batch}))
        return
    out = [tk.encode(s, add_special_tokens=True).ids for s in texts]
    with open(args[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
