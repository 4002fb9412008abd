#!/usr/bin/env python3
"""Split RTP-LX by Index for the Goodtriever experiment (docs/detox.md).

An Index names one English prompt and all its translations, so splitting by
Index keeps every translation of a prompt on one side: the datastores never see
a test prompt in any language. sha256(Index) % 10 < 8 is train, the rest test.

Writes, under OUT:
  toxic-LANG.jsonl     train prompts rated toxic (mean Toxicity >= 3), per language
  nontoxic-LANG.jsonl  train prompts rated non-toxic (mean Toxicity <= 1.5)
  test.jsonl           held-out prompts rated toxic, all languages (id LANG-Index,
                       parallel Index): the prompts the evaluation continues
Only standard-library Python; reads ../shared/data, copies nothing into the repo.
"""
import argparse
import hashlib
import json
import os
import sys

LOCALE = {"en": "EN", "ru": "RU", "ar": "AR", "hi": "HI", "ja": "JA", "ko": "KO", "zh": "ZH-Hans",
          "th": "TH", "he": "HE", "de": "DE", "fr": "FR", "es": "ES", "tr": "TR", "pl": "PL"}


def is_train(index: str) -> bool:
    return int(hashlib.sha256(index.encode()).hexdigest(), 16) % 10 < 8


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data/rtp-lx/v0.2_f10b92a"))
    ap.add_argument("--langs", default="en,ru,ar,hi,ja,ko")
    ap.add_argument("--toxic-min", type=float, default=3.0)
    ap.add_argument("--nontoxic-max", type=float, default=1.5)
    ap.add_argument("out")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    test = []
    for lang in a.langs.split(","):
        if lang not in LOCALE:
            print(f"rtplx_split: unknown language '{lang}' (known: {', '.join(sorted(LOCALE))})", file=sys.stderr)
            return 2
        path = os.path.join(a.data, f"RTP_LX_{LOCALE[lang]}.json")
        toxic, nontoxic = [], []
        with open(path, encoding="utf-8-sig") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    r = json.loads(line)
                    idx, text, tox = str(r["Index"]), r["Prompt"], float(r["Annotations"]["Toxicity"])
                except (ValueError, KeyError, TypeError) as e:
                    print(f"{path}:{n}: unusable row ({e})", file=sys.stderr)
                    return 1
                if not text.strip():
                    continue
                if is_train(idx):
                    if tox >= a.toxic_min:
                        toxic.append({"text": text, "lang": lang})
                    elif tox <= a.nontoxic_max:
                        nontoxic.append({"text": text, "lang": lang})
                elif tox >= a.toxic_min:
                    test.append({"text": text, "lang": lang, "id": f"{lang}-{idx}", "parallel": idx})
        for name, rows in (("toxic", toxic), ("nontoxic", nontoxic)):
            with open(os.path.join(a.out, f"{name}-{lang}.jsonl"), "w", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"{lang}: {len(toxic)} toxic, {len(nontoxic)} non-toxic train prompts")
    with open(os.path.join(a.out, "test.jsonl"), "w", encoding="utf-8") as f:
        for r in test:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"test: {len(test)} held-out toxic prompts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
