#!/usr/bin/env python3
"""Engine speed: polysafe vs llama.cpp (llama-cpp-python) on the same GGUF, same
thread count, in one run. Not a test.

Measured for each model, each side in its own process (so peak RSS is its own):
  prefill   one forward pass over 512 tokens of English text, batch 1;
  decode B  B sequences (B = 1, 8, 32) generated greedily together, EOS ignored;
            the time of a 1-token generation is subtracted from a (1+N)-token
            one, so loading and prefill cancel and N batch steps remain;
            aggregate tokens per second = B * N / time.
llama.cpp runs its default CPU path on the file: it quantises activations to
8 bits against the quantised weights and keeps an F16 KV cache; polysafe
dequantises the weights to f32 at load and computes in f32. Both use
`--threads` threads. The llama.cpp side drives the C API (llama_batch with one
sequence id per row, greedy argmax per row in numpy) so that batching is its own.

Usage: bench/engine/run_engine_bench.py [--bench build/bench/engine/bench_engine]
       [--polysafe build/polysafe] [--models smollm2-135m-instruct gemma3-270m]
       [--threads 2] [--new 32] [--batches 1 8 32] [--repeat R] [--markdown]
With --repeat R each side runs R times, alternating, and its best run is kept.
"""
import argparse
import ctypes
import json
import os
import resource
import subprocess
import sys
import time

TEXT = ("The history of the printing press begins in the fifteenth century, when Johannes Gutenberg combined "
        "movable metal type, oil-based ink and a screw press adapted from wine making. Books became cheaper, "
        "literacy spread across Europe, and ideas moved faster than any ruler could control. Scholars argue about "
        "how much of this change was caused by the press itself and how much by trade, cities and universities "
        "that were already growing. ") * 12


def prompts(batch):
    return [f"Story number {b + 1}: once upon a time" for b in range(batch)]


def llama_child(args):
    """Runs in a child process: one llama.cpp measurement, printed as JSON."""
    import numpy as np
    import llama_cpp as L

    L.llama_backend_init()
    t0 = time.perf_counter()
    model = L.llama_model_load_from_file(args.path.encode(), L.llama_model_default_params())
    vocab = L.llama_model_get_vocab(model)
    n_vocab = L.llama_vocab_n_tokens(vocab)
    batch_size = args.batch if args.mode == "decode" else 1
    cp = L.llama_context_default_params()
    cp.n_ctx = max(1024, batch_size * 64 + batch_size * (args.new + 8))
    cp.n_batch = cp.n_ubatch = 512
    cp.n_seq_max = batch_size
    cp.kv_unified = True
    cp.n_threads = cp.n_threads_batch = args.threads
    ctx = L.llama_init_from_model(model, cp)
    load_s = time.perf_counter() - t0
    mem = L.llama_get_memory(ctx)

    def tokenize(text, add_special=True):
        raw = text.encode()
        buf = (L.llama_token * (len(raw) + 8))()
        n = L.llama_tokenize(vocab, raw, len(raw), buf, len(buf), add_special, False)
        return list(buf[:n])

    batch = L.llama_batch_init(max(512, batch_size * 64), 0, batch_size)

    def decode(rows):
        """rows: (token, pos, seq, want_logits); returns argmax per row that wants logits."""
        batch.n_tokens = len(rows)
        for i, (tok, pos, seq, want) in enumerate(rows):
            batch.token[i], batch.pos[i], batch.n_seq_id[i] = tok, pos, 1
            batch.seq_id[i][0], batch.logits[i] = seq, want
        if L.llama_decode(ctx, batch) != 0:
            raise SystemExit("llama_decode failed")
        out = []
        for i, r in enumerate(rows):
            if r[3]:
                p = L.llama_get_logits_ith(ctx, i)
                out.append(int(np.argmax(np.ctypeslib.as_array(p, shape=(n_vocab,)))))
        return out

    res = {"engine": "llama.cpp", "reference": f"llama-cpp-python {L.__version__}", "mode": args.mode,
           "threads": args.threads, "load_s": load_s}
    if args.mode == "prefill":
        ids = tokenize(TEXT)[:args.tokens]
        best = 1e30
        for r in range(4):
            L.llama_memory_clear(mem, True)
            t = time.perf_counter()
            decode([(tok, i, 0, i == len(ids) - 1) for i, tok in enumerate(ids)])
            if r:  # the first pass warms up
                best = min(best, time.perf_counter() - t)
        res.update(tokens=len(ids), seconds=best, tok_per_s=len(ids) / best)
    else:
        seqs = [tokenize(p) for p in prompts(batch_size)]

        def run(n_new):
            L.llama_memory_clear(mem, True)
            t = time.perf_counter()
            rows = [(tok, i, s, i == len(ids) - 1) for s, ids in enumerate(seqs) for i, tok in enumerate(ids)]
            nxt = decode(rows)
            pos = [len(ids) for ids in seqs]
            produced = len(nxt)
            for _ in range(n_new - 1):
                nxt = decode([(nxt[s], pos[s], s, True) for s in range(batch_size)])
                pos = [p + 1 for p in pos]
                produced += len(nxt)
            return time.perf_counter() - t, produced

        run(2)  # warm-up
        t_short, n_short = run(1)
        t_long, n_long = run(1 + args.new)
        s = t_long - t_short
        res.update(batch=batch_size, tokens=n_long - n_short, seconds=s, tok_per_s=(n_long - n_short) / s)
    res["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(res))


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default="build/bench/engine/bench_engine")
    ap.add_argument("--polysafe", default="build/polysafe")
    ap.add_argument("--models", nargs="+", default=["smollm2-135m-instruct", "gemma3-270m"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--new", type=int, default=32)
    ap.add_argument("--tokens", type=int, default=512)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each side R times, alternating, and keep each side's best (a shared machine's noise)")
    ap.add_argument("--markdown", action="store_true")
    # child mode
    ap.add_argument("--llama-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--path")
    ap.add_argument("--mode")
    ap.add_argument("--batch", type=int, default=1)
    a = ap.parse_args()
    if a.llama_child:
        return llama_child(a)

    listing = json.loads(subprocess.run([a.polysafe, "models", "--json"], check=True, capture_output=True,
                                        text=True).stdout)
    paths = {m["name"]: m["path"] for m in listing}
    rows = []
    for model in a.models:
        path = paths[model]
        cases = [("prefill", 1)] + [("decode", b) for b in a.batches]
        for mode, b in cases:
            common = ["--new", str(a.new), "--batch", str(b)]
            ours_runs, peer_runs = [], []
            for _ in range(a.repeat):  # alternate, so that a noisy minute hits both sides
                ours_runs.append(run_json([a.bench, path, mode, str(a.threads), "--tokens", str(a.tokens), "--text",
                                           TEXT] + common))
                peer_runs.append(run_json([sys.executable, os.path.abspath(__file__), "--llama-child", "--path", path,
                                           "--mode", mode, "--threads", str(a.threads), "--tokens", str(a.tokens)]
                                          + common))
            ours = max(ours_runs, key=lambda r: r["tok_per_s"])
            peer = max(peer_runs, key=lambda r: r["tok_per_s"])
            label = f"prefill {a.tokens}" if mode == "prefill" else f"decode, batch {b}"
            row = (model, label, ours["tok_per_s"], peer["tok_per_s"], ours["tok_per_s"] / peer["tok_per_s"],
                   ours["peak_rss_kb"] / 1024, peer["peak_rss_kb"] / 1024)
            rows.append(row)
            print(f"{row[0]:24s} {row[1]:18s} polysafe {row[2]:9.1f} tok/s  llama.cpp {row[3]:9.1f} tok/s  "
                  f"ratio {row[4]:5.2f}  peak RSS {row[5]:6.0f} / {row[6]:6.0f} MiB", flush=True)
    if a.markdown:
        print("\n| model | measurement | polysafe tok/s | llama.cpp tok/s | ratio | peak RSS polysafe / llama.cpp (MiB) |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r[0]} | {r[1]} | {r[2]:,.1f} | {r[3]:,.1f} | {r[4]:.2f} | {r[5]:,.0f} / {r[6]:,.0f} |")


if __name__ == "__main__":
    main()
