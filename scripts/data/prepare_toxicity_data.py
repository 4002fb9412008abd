#!/usr/bin/env python3
"""Turn the shared toxicity datasets into JSONL for `polysafe scorer`.

Reads (unchanged copies in ../shared/data, see its README):
  * RTP-LX v0.2 (de Wynter et al., 2024), JSON Lines per locale
  * Multilingual HateCheck (Röttger et al., 2022), CSV per language
  * MLMA hate speech (Ousidhoum et al., 2019), CSV per language

Writes train.jsonl, calibration.jsonl, test.jsonl and manifest.json into the
output directory (default ${XDG_CACHE_HOME:-~/.cache}/polysafe/toxicity-data/),
never into the repository: the project does not redistribute dataset rows.

Each row: {"text", "label" (0/1), "lang" (BCP-47), "group", "source"}.

Labels
  RTP-LX  Toxicity is the mean of three annotators on 1 (none) .. 5 (extreme).
          toxic = mean >= 3, the midpoint of the scale: at least "moderately
          toxic" on average (e.g. votes 3,3,3 or 5,2,2). About 40% of rows are
          toxic at this cut; 2.5 or ">1" would call mildly rude or merely
          edgy prompts toxic, which Perspective-style scores at 0.5 do not.
  HateCheck  label_gold "hateful" = 1, "non-hateful" = 0 (expert gold label,
          not the crowd majority).
  MLMA    per the dataset README, tweets whose hostility label (column
          `sentiment`) is exactly "normal" are non-toxic, all others toxic.
          English comes from en_dataset_with_stop_words.csv (the natural text;
          en_dataset.csv has stop words removed).

Split (deterministic, leak-free): sha256 of the group id -> bucket 0..99;
  < 70 train, < 80 calibration, else test. Groups:
  RTP-LX  "rtplx:<Index>": Index aligns a prompt with its transcreations, so a
          prompt and its translations never sit on both sides (locale-specific
          extra prompts share numbers across locales; grouping them is merely
          conservative).
  HateCheck "mhc:<templ_id>": template ids are aligned across the 10 languages
          and the cases of one template differ only in the identity term.
  MLMA    "mlma:<lang>:<sha of normalised text>": duplicates stay together.

Pure Python standard library.
"""
import argparse
import csv
import glob
import hashlib
import json
import os
import sys
from collections import Counter

RTP_LOCALES = {  # file suffix -> BCP-47 (the UK file has an empty Locale field)
    "AR": "ar", "CS": "cs", "DA": "da", "DE": "de", "EN": "en", "ES": "es",
    "FI": "fi", "FR": "fr", "HE": "he", "HI": "hi", "HU": "hu", "ID": "id",
    "IT": "it", "JA": "ja", "KO": "ko", "NL": "nl", "NO-NB": "nb", "PL": "pl",
    "PT": "pt", "RU": "ru", "SV": "sv", "TH": "th", "TR": "tr", "UK": "uk",
    "ZH-Hans": "zh-Hans", "ZH-Hant": "zh-Hant",
}
MHC_LANGS = {
    "arabic": "ar", "dutch": "nl", "french": "fr", "german": "de", "hindi": "hi",
    "italian": "it", "mandarin": "zh-Hans", "polish": "pl", "portuguese": "pt",
    "spanish": "es",
}
MLMA_FILES = {"en": "en_dataset_with_stop_words.csv", "fr": "fr_dataset.csv", "ar": "ar_dataset.csv"}
RTP_TOXIC_MIN = 3.0

SOURCES = {
    "rtplx": {
        "name": "RTP-LX v0.2 (microsoft/RTP-LX @ f10b92a5)",
        "licence": "MIT (+ NOTICE, Apache-2.0 components)",
        "citation": "de Wynter et al., RTP-LX: Can LLMs Evaluate Toxicity in Multilingual Scenarios? (AAAI 2025, arXiv:2404.14397); Gehman et al., RealToxicityPrompts (Findings of EMNLP 2020)",
        "label": "Toxicity mean of 3 annotators >= 3 on the 1-5 scale",
    },
    "mhc": {
        "name": "Multilingual HateCheck (rewire-online/multilingual-hatecheck @ a03f2caf)",
        "licence": "CC-BY-4.0",
        "citation": "Röttger et al., Multilingual HateCheck: Functional Tests for Multilingual Hate Speech Detection Models (WOAH 2022)",
        "label": "label_gold == hateful",
    },
    "mlma": {
        "name": "MLMA hate speech (HKUST-KnowComp/MLMA_hate_speech @ 47983698)",
        "licence": "MIT",
        "citation": "Ousidhoum et al., Multilingual and Multi-Aspect Hate Speech Analysis (EMNLP 2019)",
        "label": "hostility label (column sentiment) other than exactly 'normal'",
    },
}


def die(msg):
    print("prepare_toxicity_data: " + msg, file=sys.stderr)
    sys.exit(1)


def bucket(group):
    return int.from_bytes(hashlib.sha256(group.encode("utf-8")).digest()[:8], "big") % 100


def split_of(group):
    b = bucket(group)
    return "train" if b < 70 else ("calibration" if b < 80 else "test")


def clean(text):
    return " ".join(text.split())


def read_rtplx(root):
    d = os.path.join(root, "rtp-lx", "v0.2_f10b92a")
    files = sorted(glob.glob(os.path.join(d, "RTP_LX_*.json")))
    if not files:
        die(f"{d}: no RTP_LX_*.json files")
    for path in files:
        suffix = os.path.basename(path)[len("RTP_LX_"):-len(".json")]
        if suffix not in RTP_LOCALES:
            die(f"{path}: unknown locale '{suffix}'")
        lang = RTP_LOCALES[suffix]
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    r = json.loads(line)
                    text = clean(r["Prompt"])
                    tox = float(r["Annotations"]["Toxicity"])
                    index = int(r["Index"])  # int in some files, string in others
                except (ValueError, KeyError, TypeError) as e:
                    die(f"{path}:{lineno}: {e!r}")
                if not text:
                    continue
                yield {"text": text, "label": int(tox >= RTP_TOXIC_MIN), "lang": lang,
                       "group": f"rtplx:{index}", "source": "rtplx"}


def read_mhc(root):
    d = os.path.join(root, "multilingual-hatecheck", "MHC Final Cases")
    for name, lang in sorted(MHC_LANGS.items()):
        path = os.path.join(d, f"hatecheck_cases_final_{name}.csv")
        with open(path, encoding="utf-8", newline="") as f:
            for lineno, r in enumerate(csv.DictReader(f), 2):
                gold = r.get("label_gold")
                if gold not in ("hateful", "non-hateful"):
                    die(f"{path}:{lineno}: field 'label_gold': unexpected {gold!r}")
                text = clean(r["test_case"])
                if not text:
                    continue
                templ = r["templ_id"] or r["mhc_case_id"]
                yield {"text": text, "label": int(gold == "hateful"), "lang": lang,
                       "group": f"mhc:{templ}", "source": "mhc"}


def read_mlma(root):
    d = os.path.join(root, "mlma_hate_speech", "hate_speech_mlma")
    for lang, name in sorted(MLMA_FILES.items()):
        path = os.path.join(d, name)
        with open(path, encoding="utf-8", newline="") as f:
            for lineno, r in enumerate(csv.DictReader(f), 2):
                sentiment = (r.get("sentiment") or "").strip()
                if not sentiment:
                    die(f"{path}:{lineno}: field 'sentiment': empty")
                text = clean(r["tweet"])
                if not text:
                    continue
                key = hashlib.sha256(text.lower().encode("utf-8")).hexdigest()[:16]
                yield {"text": text, "label": int(sentiment != "normal"), "lang": lang,
                       "group": f"mlma:{lang}:{key}", "source": "mlma"}


def main():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared-data", default=os.environ.get("POLYSAFE_SHARED_DATA")
                    or os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "data")))
    ap.add_argument("--out", default=os.path.join(cache, "polysafe", "toxicity-data"))
    args = ap.parse_args()

    rows = list(read_rtplx(args.shared_data)) + list(read_mhc(args.shared_data)) + list(read_mlma(args.shared_data))
    os.makedirs(args.out, exist_ok=True)
    splits = {"train": [], "calibration": [], "test": []}
    for r in rows:
        splits[split_of(r["group"])].append(r)
    counts = {}
    for name, part in splits.items():
        tmp = os.path.join(args.out, name + ".jsonl.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for r in part:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        os.replace(tmp, os.path.join(args.out, name + ".jsonl"))
        by = Counter((r["source"], r["lang"], r["label"]) for r in part)
        counts[name] = {"rows": len(part), "toxic": sum(r["label"] for r in part),
                        "by_source_lang": {f"{s}/{l}": {"n": by[(s, l, 0)] + by[(s, l, 1)], "toxic": by[(s, l, 1)]}
                                           for (s, l) in sorted({(s, l) for s, l, _ in by})}}
    manifest = {
        "format": "polysafe-toxicity-data", "version": 1,
        "fields": {"text": "string", "label": "0/1", "lang": "BCP-47", "group": "split unit", "source": "dataset"},
        "split": "sha256(group) % 100: <70 train, <80 calibration, else test",
        "sources": SOURCES, "counts": counts,
    }
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
    for name in splits:
        print(f"{name}: {counts[name]['rows']} rows, {counts[name]['toxic']} toxic -> {os.path.join(args.out, name + '.jsonl')}")


if __name__ == "__main__":
    main()
