#!/usr/bin/env python3
"""Toxicity from the engine's multilingual hidden states: a first measurement.

Mean-pooled final-norm hidden states of Gemma 3 270M (`polysafe embed`), an
L2-regularised logistic head fitted here with numpy, on a stratified sample of
the split of docs/judges/toxicity.md (scripts/data/prepare_toxicity_data.py:
train / test by group hash, RTP-LX + Multilingual HateCheck + MLMA). Reports,
on the same sampled test rows, the AUC of this head and of the default fastText
scorer, in-language and leave-one-language-out (the head refitted without any
train row of the language). Features are cached by the sha256 of the sample.

Usage: scripts/experiments/toxicity_hidden_states.py [--per-lang-train 200] [--per-lang-test 150]
"""
import argparse
import collections
import hashlib
import json
import os
import random
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "polysafe")
LOLO = ["fr", "de", "ar", "hi", "es", "ja", "ru", "zh"]  # the languages of toxicity.md's transfer table


def base(lang):
    return lang.split("-")[0]


def sample(path, per_lang, seed, only=None):
    by = collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if only is None or base(r["lang"]) in only:
                by[base(r["lang"])].append(r)
    rng = random.Random(seed)
    out = []
    for lang in sorted(by):
        rows = by[lang]
        rng.shuffle(rows)
        out += rows[:per_lang]
    return out


def features(binary, model, rows, tag):
    blob = "\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows).encode()
    key = hashlib.sha256(blob + model.encode()).hexdigest()[:16]
    d = os.path.join(CACHE, "features")
    os.makedirs(d, exist_ok=True)
    out = os.path.join(d, f"{tag}-{key}.f32")
    if not os.path.exists(out + ".json"):
        src = out + ".jsonl"
        with open(src, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps({"text": r["text"]}, ensure_ascii=False) + "\n")
        subprocess.run([binary, "embed", model, "--file", src, "--out", out], check=True)
    meta = json.load(open(out + ".json"))
    x = np.fromfile(out, dtype=np.float32).reshape(meta["rows"], meta["dim"])
    return x, meta


def fit_logistic(x, y, l2=1.0, iters=300):
    """Newton's method on the L2-penalised log-loss (bias unpenalised)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(xb @ w, -30, 30)))
        g = xb.T @ (p - y) + reg * w
        h = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-6 * np.eye(d + 1)
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w


def predict(w, x):
    return 1 / (1 + np.exp(-np.clip(np.hstack([x, np.ones((len(x), 1))]) @ w, -30, 30)))


def auc(y, s):
    y = np.asarray(y)
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    # ties: average ranks
    s_sorted = np.asarray(s)[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s_sorted[j + 1] == s_sorted[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j + 2) / 2
        i = j + 1
    pos = y == 1
    npos, nneg = pos.sum(), (~pos).sum()
    if npos == 0 or nneg == 0:
        return float("nan")
    return (ranks[pos].sum() - npos * (npos + 1) / 2) / (npos * nneg)


def fasttext_scores(binary, rows):
    path = os.path.join(CACHE, "features", "fasttext-test.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"text": r["text"]}, ensure_ascii=False) + "\n")
    out = subprocess.run([binary, "scorer", "score", "--file", path, "--json"], check=True, capture_output=True,
                         text=True).stdout
    return [json.loads(l)["score"] for l in out.splitlines() if l.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--polysafe", default=os.path.join(ROOT, "build/polysafe"))
    ap.add_argument("--model", default="gemma3-270m")
    ap.add_argument("--data", default=os.path.join(CACHE, "toxicity-data"))
    ap.add_argument("--per-lang-train", type=int, default=200)
    ap.add_argument("--per-lang-test", type=int, default=150)
    ap.add_argument("--l2", type=float, default=10.0)
    args = ap.parse_args()

    train = sample(os.path.join(args.data, "train.jsonl"), args.per_lang_train, 1)
    test = sample(os.path.join(args.data, "test.jsonl"), args.per_lang_test, 2, set(LOLO))
    xtr, mtr = features(args.polysafe, args.model, train, "train")
    xte, mte = features(args.polysafe, args.model, test, "test")
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    xtr, xte = (xtr - mu) / sd, (xte - mu) / sd
    ytr = np.array([r["label"] for r in train], dtype=float)
    yte = np.array([r["label"] for r in test], dtype=float)
    ltr = np.array([base(r["lang"]) for r in train])
    lte = np.array([base(r["lang"]) for r in test])
    ft = np.array(fasttext_scores(args.polysafe, test))
    w_all = fit_logistic(xtr, ytr, args.l2)
    s_all = predict(w_all, xte)
    print(f"features: {args.model} final-norm mean pool, width {mtr['dim']}; train {len(train)} rows "
          f"({len(set(ltr))} languages, {args.per_lang_train} per language), test {len(test)} rows; "
          f"embedding {(mtr['rows'] + mte['rows']) / (mtr['seconds'] + mte['seconds']):.1f} texts/s")
    print("| lang | test n | toxic | fastText in-language | hidden-state in-language | hidden-state without the language |")
    print("|---|---:|---:|---:|---:|---:|")
    lolo = []
    for lang in LOLO:
        m = lte == lang
        if m.sum() == 0:
            continue
        keep = ltr != lang
        w = fit_logistic(xtr[keep], ytr[keep], args.l2)
        s = predict(w, xte[m])
        lolo.append(auc(yte[m], s))
        print(f"| {lang} | {m.sum()} | {int(yte[m].sum())} | {auc(yte[m], ft[m]):.3f} | {auc(yte[m], s_all[m]):.3f} | "
              f"{lolo[-1]:.3f} |")
    print(f"| all | {len(test)} | {int(yte.sum())} | {auc(yte, ft):.3f} | {auc(yte, s_all):.3f} | "
          f"mean {np.mean(lolo):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
