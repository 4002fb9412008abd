#!/usr/bin/env python3
"""Trains the hidden-state toxicity head that ships in data/judges/ and measures it.

Features: mean-pooled final-norm hidden states of a local model (`polysafe
embed`, Gemma 3 270M by default), standardised. Head (numpy): a one-hidden-layer
ReLU network (256 units, dropout 0.3, Adam, weight decay, 20 epochs, seeded;
the default) or an L2-regularised logistic regression (Newton's method, λ
chosen by calibration AUC); then Platt scaling fitted on a sample of the
calibration split.
Data: the split of docs/judges/toxicity.md (scripts/data/prepare_toxicity_data.py:
train / calibration / test by group hash; RTP-LX + Multilingual HateCheck +
MLMA), sampled per language. Reported on sampled test rows of every language,
against the default fastText scorer on the **same** rows: in-language AUC, ECE
(10 bins), and leave-one-language-out AUC (the head refitted with no train row
of the language). Features are cached by the sha256 of each sample, so a
retrain after the first run takes seconds.

Usage: scripts/judges/train_hidden_head.py [--head mlp|logistic] [--per-lang-train 600]
           [--per-lang-cal 150] [--per-lang-test 150] [--out data/judges/toxicity-gemma3-270m.json]
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
FORMAT = "polysafe-hidden-state-head"


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


def features(binary, model, rows, tag, point="final-norm"):
    blob = "\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows).encode()
    # final-norm keys carry no point, so caches made before the option stay valid.
    key = hashlib.sha256(blob + model.encode() + (b"" if point == "final-norm" else point.encode())).hexdigest()[:16]
    d = os.path.join(CACHE, "features")
    os.makedirs(d, exist_ok=True)
    out = os.path.join(d, f"{tag}-{key}.f32")
    if not os.path.exists(out + ".json"):
        src = out + ".jsonl"
        with open(src, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps({"text": r["text"]}, ensure_ascii=False) + "\n")
        subprocess.run([binary, "embed", model, "--file", src, "--out", out, "--point", point], check=True)
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


def ece(y, p, bins=10):
    y, p = np.asarray(y, float), np.asarray(p, float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() * abs(p[m].mean() - y[m].mean())
    return total / len(y)


def fit_platt(f, y, iters=100):
    """Platt (1999) with the smoothed targets, Newton on (a, b) as src/judge/platt_calibration.cpp does."""
    f, y = np.asarray(f, float), np.asarray(y, float)
    npos, nneg = y.sum(), len(y) - y.sum()
    t = np.where(y == 1, (npos + 1) / (npos + 2), 1 / (nneg + 2))
    a, b = 1.0, 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(a * f + b, -30, 30)))
        g = np.array([((p - t) * f).sum(), (p - t).sum()])
        w = p * (1 - p)
        h = np.array([[(w * f * f).sum() + 1e-12, (w * f).sum()], [(w * f).sum(), w.sum() + 1e-12]])
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-10:
            break
    return float(a), float(b)


def raw(w, x):
    return np.hstack([x, np.ones((len(x), 1))]) @ w


def fit_mlp(x, y, hidden=256, epochs=20, lr=1e-3, wd=1e-3, drop=0.3, batch=128, seed=0):
    """One ReLU hidden layer, inverted dropout, Adam with decoupled weight decay on the weights."""
    rng = np.random.default_rng(seed)
    d = x.shape[1]
    params = [rng.normal(0, np.sqrt(2 / d), (d, hidden)), np.zeros(hidden), rng.normal(0, np.sqrt(1 / hidden), hidden),
              np.zeros(1)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for i in range(0, len(x), batch):
            b = order[i:i + batch]
            xb, yb = x[b], y[b]
            a = xb @ params[0] + params[1]
            keep = (rng.random(a.shape) > drop) / (1 - drop)
            r = np.maximum(a, 0) * keep
            p = 1 / (1 + np.exp(-np.clip(r @ params[2] + params[3][0], -30, 30)))
            g = (p - yb) / len(b)
            gr = np.outer(g, params[2]) * keep * (a > 0)
            grads = [xb.T @ gr, gr.sum(0), r.T @ g, np.array([g.sum()])]
            step += 1
            for k in range(4):
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                update = (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8)
                params[k] = params[k] - lr * update - (lr * wd * params[k] if k in (0, 2) else 0)
    return params


def mlp_raw(params, x):
    return np.maximum(x @ params[0] + params[1], 0) @ params[2] + params[3][0]


def fit_head(kind, x, y, l2):
    if kind == "mlp":
        params = fit_mlp(x, y)
        return params, lambda z: mlp_raw(params, z)
    w = fit_logistic(x, y, l2)
    return w, lambda z: raw(w, z)


def head_layers(kind, params):
    r = lambda a: [round(float(v), 6) for v in a]
    if kind == "mlp":
        return [{"weights": [r(col) for col in params[0].T], "bias": r(params[1]), "activation": "relu"},
                {"weights": [r(params[2])], "bias": r(params[3]), "activation": "linear"}]
    return [{"weights": [r(params[:-1])], "bias": [round(float(params[-1]), 6)], "activation": "linear"}]


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
    ap.add_argument("--per-lang-train", type=int, default=600)
    ap.add_argument("--per-lang-cal", type=int, default=150)
    ap.add_argument("--per-lang-test", type=int, default=150)
    ap.add_argument("--head", choices=["mlp", "logistic"], default="mlp")
    ap.add_argument("--point", choices=["final-norm", "ffn-input"], default="final-norm",
                    help="hidden state the features are pooled from")
    ap.add_argument("--l2", default="1,10,100", help="logistic head: candidate λ, chosen by calibration AUC")
    ap.add_argument("--out", default=os.path.join(ROOT, "data/judges/toxicity-gemma3-270m.json"),
                    help="where to write the head ('' to only measure)")
    args = ap.parse_args()

    train = sample(os.path.join(args.data, "train.jsonl"), args.per_lang_train, 1)
    cal = sample(os.path.join(args.data, "calibration.jsonl"), args.per_lang_cal, 3)
    test = sample(os.path.join(args.data, "test.jsonl"), args.per_lang_test, 4)
    xtr, mtr = features(args.polysafe, args.model, train, "train", args.point)
    xca, mca = features(args.polysafe, args.model, cal, "cal", args.point)
    xte, mte = features(args.polysafe, args.model, test, "test", args.point)
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    ztr, zca, zte = (xtr - mu) / sd, (xca - mu) / sd, (xte - mu) / sd
    ytr = np.array([r["label"] for r in train], dtype=float)
    yca = np.array([r["label"] for r in cal], dtype=float)
    yte = np.array([r["label"] for r in test], dtype=float)
    ltr = np.array([base(r["lang"]) for r in train])
    lte = np.array([base(r["lang"]) for r in test])

    l2 = 0.0
    if args.head == "logistic":
        fits = {float(l): fit_logistic(ztr, ytr, float(l)) for l in args.l2.split(",")}
        cal_auc = {l: auc(yca, raw(w, zca)) for l, w in fits.items()}
        l2 = max(cal_auc, key=cal_auc.get)
        print(f"λ = {l2:g} (calibration AUC {', '.join(f'{k:g}: {v:.3f}' for k, v in cal_auc.items())})")
    params, score = fit_head(args.head, ztr, ytr, l2)
    a, b = fit_platt(score(zca), yca)
    p_te = 1 / (1 + np.exp(-np.clip(a * score(zte) + b, -30, 30)))
    ft = np.array(fasttext_scores(args.polysafe, test))
    secs = mtr["seconds"] + mca["seconds"] + mte["seconds"]
    rate = (mtr["rows"] + mca["rows"] + mte["rows"]) / secs if secs else 0

    print(f"features: {args.model} {args.point} mean pool, width {mtr['dim']}; train {len(train)} rows "
          f"({len(set(ltr))} languages, {args.per_lang_train} per language), calibration {len(cal)}, test {len(test)}; "
          f"head {args.head}, calibration AUC {auc(yca, score(zca)):.3f}; embedding {rate:.1f} texts/s")
    print()
    print("| lang | test n | toxic | fastText AUC | hidden-state AUC | fastText ECE | hidden-state ECE |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for lang in sorted(set(lte)):
        m = lte == lang
        print(f"| {lang} | {m.sum()} | {int(yte[m].sum())} | {auc(yte[m], ft[m]):.3f} | {auc(yte[m], p_te[m]):.3f} | "
              f"{ece(yte[m], ft[m]):.3f} | {ece(yte[m], p_te[m]):.3f} |")
    langs = sorted(set(lte))
    macro_ft = np.mean([auc(yte[lte == l], ft[lte == l]) for l in langs])
    macro_hs = np.mean([auc(yte[lte == l], p_te[lte == l]) for l in langs])
    print(f"| all (pooled) | {len(test)} | {int(yte.sum())} | {auc(yte, ft):.3f} | {auc(yte, p_te):.3f} | "
          f"{ece(yte, ft):.3f} | {ece(yte, p_te):.3f} |")
    print(f"| macro over {len(langs)} | | | {macro_ft:.3f} | {macro_hs:.3f} | | |")
    print()
    print("| left-out lang | test n | fastText in-language | hidden-state in-language | hidden-state without the language |")
    print("|---|---:|---:|---:|---:|")
    lolo = {}
    for lang in LOLO:
        m = lte == lang
        keep = ltr != lang
        # The standardisation is refitted too: nothing of the language is seen.
        mu_l, sd_l = xtr[keep].mean(0), xtr[keep].std(0) + 1e-6
        _, score_l = fit_head(args.head, (xtr[keep] - mu_l) / sd_l, ytr[keep], l2)
        lolo[lang] = auc(yte[m], score_l((xte[m] - mu_l) / sd_l))
        print(f"| {lang} | {m.sum()} | {auc(yte[m], ft[m]):.3f} | {auc(yte[m], p_te[m]):.3f} | {lolo[lang]:.3f} |")
    print(f"| mean | | | | {np.mean(list(lolo.values())):.3f} |")

    if args.out:
        head = {
            "format": FORMAT, "format_version": 1, "task": "toxicity", "model": args.model, "point": args.point,
            "pooling": "mean", "dim": int(mtr["dim"]),
            "labels": {"positive": "toxic", "negative": "non_toxic"},
            "calibration": {"method": "platt", "a": a, "b": b, "n": len(cal), "positives": int(yca.sum()),
                            "auc": round(float(auc(yca, score(zca))), 4)},
            "training": {"script": "scripts/judges/train_hidden_head.py", "head": args.head, "l2": l2,
                         "rows": len(train),
                         "per_language": args.per_lang_train, "languages": sorted(set(ltr)),
                         "data": "RTP-LX, Multilingual HateCheck, MLMA (docs/judges/toxicity.md, train split)",
                         "manifest_sha256": hashlib.sha256(
                             open(os.path.join(args.data, "manifest.json"), "rb").read()).hexdigest()},
            "test": {"rows": len(test), "auc": round(float(auc(yte, p_te)), 4), "ece": round(float(ece(yte, p_te)), 4),
                     "by_lang": {l: {"auc": round(float(auc(yte[lte == l], p_te[lte == l])), 4),
                                     "n": int((lte == l).sum())} for l in langs},
                     "lolo_auc": {k: round(float(v), 4) for k, v in lolo.items()}},
            "mean": [round(float(v), 7) for v in mu], "scale": [round(float(v), 7) for v in sd],
            "layers": head_layers(args.head, params),
        }
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(head, f, indent=None, separators=(",", ":"))
            f.write("\n")
        print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
