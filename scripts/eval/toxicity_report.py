#!/usr/bin/env python3
"""Held-out report for the local toxicity scorer, driving the polysafe CLI.

1. Per-language ROC-AUC / F1@0.5 / ECE of the fastText scorer and of the
   LDNOOBW lexicon baseline, side by side, on the test split prepared by
   scripts/data/prepare_toxicity_data.py (RTP-LX locales, Multilingual
   HateCheck and MLMA languages).
2. Cross-lingual transfer: for each language X, retrain with every row of X
   dropped from train and calibration (`--exclude-lang X`), with the same
   options as the evaluated model (read from its sidecar), and test on X's
   test rows; compare with the in-language AUC.

Writes report.json and report.md to --out and prints the Markdown.
Pure Python standard library.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "polysafe")
SOURCE_NAMES = {"rtplx": "RTP-LX", "mhc": "HateCheck", "mlma": "MLMA"}
TRANSFER_LANGS = ["fr", "de", "ar", "hi", "es", "ja", "ru", "zh"]


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"toxicity_report: {' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}{r.stdout}")
    return r.stdout


def fmt(v, d=3):
    return "n/a" if v is None else f"{v:.{d}f}"


def train_args(sidecar):
    t = sidecar["training"]
    args = ["--dim", t["dim"], "--epoch", t["epoch"], "--lr", t["lr"], "--word-ngrams", t["word_ngrams"],
            "--minn", t["minn"], "--maxn", t["maxn"], "--bucket", t["bucket"], "--loss", t["loss"],
            "--threads", t["threads"], "--seed", t["seed"]]
    if sidecar["model"].get("quantized"):
        args += ["--quantize", "--quantize-cutoff", t["quantize_cutoff"]]
    return [str(a) for a in args]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "polysafe"))
    ap.add_argument("--data-dir", default=os.path.join(CACHE, "toxicity-data"))
    ap.add_argument("--model", default=os.path.join(CACHE, "toxicity", "default"))
    ap.add_argument("--lexicon", default=os.environ.get("POLYSAFE_LDNOOBW")
                    or os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "ldnoobw")))
    ap.add_argument("--out", default=os.path.join(CACHE, "toxicity-report"))
    ap.add_argument("--transfer", default=",".join(TRANSFER_LANGS), help="comma-separated languages ('' to skip)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    test = os.path.join(a.data_dir, "test.jsonl")
    train = os.path.join(a.data_dir, "train.jsonl")
    cal = os.path.join(a.data_dir, "calibration.jsonl")
    for f in (test, train, cal, a.model + ".json"):
        if not os.path.exists(f):
            sys.exit(f"toxicity_report: {f} missing (run scripts/build-default-scorer.sh)")
    sidecar = json.load(open(a.model + ".json", encoding="utf-8"))

    ft = json.loads(run([a.bin, "scorer", "eval", "--model", a.model, "--data", test, "--by", "source,lang", "--json"]))
    lex = json.loads(run([a.bin, "scorer", "eval", "--lexicon", a.lexicon, "--lang-field", "lang", "--data", test,
                          "--by", "source,lang", "--json"]))
    ft_src = json.loads(run([a.bin, "scorer", "eval", "--model", a.model, "--data", test, "--by", "source", "--json"]))
    lex_src = json.loads(run([a.bin, "scorer", "eval", "--lexicon", a.lexicon, "--lang-field", "lang", "--data", test,
                              "--by", "source", "--json"]))
    ft_lang = json.loads(run([a.bin, "scorer", "eval", "--model", a.model, "--data", test, "--by", "lang", "--json"]))

    md = []
    c = sidecar["calibration"]
    md.append(f"Model: `{a.model}` ({sidecar['model']['file']}, {sidecar['model']['bytes'] / 2**20:.1f} MiB); "
              f"Platt a={c['a']:.3f} b={c['b']:.3f} on {c['rows']} calibration rows; "
              f"ECE(10) on calibration {c['ece10_before']:.3f} -> {c['ece10_after']:.3f}; "
              f"on test: {fmt(ft['overall']['ece10'])}.\n")
    md.append("| dataset | lang | n | toxic | AUC fastText | AUC lexicon | F1 fastText | F1 lexicon | ECE fastText |")
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for key in sorted(ft["groups"], key=lambda k: (list(SOURCE_NAMES).index(k.split("/")[0]), k)):
        src, lang = key.split("/", 1)
        f, l = ft["groups"][key], lex["groups"][key]
        md.append(f"| {SOURCE_NAMES.get(src, src)} | {lang} | {f['n']} | {f['positives']} | {fmt(f['auc'])} | "
                  f"{fmt(l['auc'])} | {fmt(f['f1'])} | {fmt(l['f1'])} | {fmt(f['ece10'])} |")
    for src in SOURCE_NAMES:
        if src in ft_src["groups"]:
            f, l = ft_src["groups"][src], lex_src["groups"][src]
            md.append(f"| **{SOURCE_NAMES[src]}** | all | {f['n']} | {f['positives']} | **{fmt(f['auc'])}** | "
                      f"**{fmt(l['auc'])}** | {fmt(f['f1'])} | {fmt(l['f1'])} | {fmt(f['ece10'])} |")
    f, l = ft["overall"], lex["overall"]
    md.append(f"| **all** | all | {f['n']} | {f['positives']} | **{fmt(f['auc'])}** | **{fmt(l['auc'])}** | "
              f"{fmt(f['f1'])} | {fmt(l['f1'])} | {fmt(f['ece10'])} |")

    transfer = {}
    langs = [x for x in a.transfer.split(",") if x]
    if langs:
        md.append("")
        md.append("| lang X | test n | AUC in-language | AUC without X in train | Δ AUC | F1 in-language | F1 without X |")
        md.append("|---|---:|---:|---:|---:|---:|---:|")
    for x in langs:
        prefix = os.path.join(a.out, f"without-{x}")
        t0 = time.time()
        run([a.bin, "scorer", "train", "--data", train, "--calibration", cal, "--lang-field", "lang",
             "--exclude-lang", x, "--out", prefix] + train_args(sidecar))
        ev = json.loads(run([a.bin, "scorer", "eval", "--model", prefix, "--data", test, "--by", "lang", "--json"]))
        keys = [k for k in ev["groups"] if k == x or k.startswith(x + "-")]
        # Pool the subtags (zh-Hans, zh-Hant) by evaluating the rows of X together.
        sub = os.path.join(a.out, f"test-{x}.jsonl")
        with open(test, encoding="utf-8") as fin, open(sub, "w", encoding="utf-8") as fout:
            for line in fin:
                lang = json.loads(line)["lang"]
                if lang == x or lang.startswith(x + "-"):
                    fout.write(line)
        out_x = json.loads(run([a.bin, "scorer", "eval", "--model", prefix, "--data", sub, "--json"]))["overall"]
        in_x = json.loads(run([a.bin, "scorer", "eval", "--model", a.model, "--data", sub, "--json"]))["overall"]
        transfer[x] = {"in_language": in_x, "without": out_x, "subtags": keys, "seconds": time.time() - t0}
        md.append(f"| {x} | {in_x['n']} | {fmt(in_x['auc'])} | {fmt(out_x['auc'])} | "
                  f"{out_x['auc'] - in_x['auc']:+.3f} | {fmt(in_x['f1'])} | {fmt(out_x['f1'])} |")
        for ext in (".bin", ".ftz"):
            if os.path.exists(prefix + ext):
                os.remove(prefix + ext)

    text = "\n".join(md) + "\n"
    with open(os.path.join(a.out, "report.md"), "w", encoding="utf-8") as fo:
        fo.write(text)
    with open(os.path.join(a.out, "report.json"), "w", encoding="utf-8") as fo:
        json.dump({"fasttext": ft, "lexicon": lex, "fasttext_by_source": ft_src, "lexicon_by_source": lex_src,
                   "fasttext_by_lang": ft_lang, "transfer": transfer, "model": sidecar}, fo, ensure_ascii=False, indent=1)
    print(text)


if __name__ == "__main__":
    main()
