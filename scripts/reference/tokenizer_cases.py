"""Deterministic selection of tokenizer test strings from ../shared/data.

Shared by tokenizer_vectors.py (llama.cpp references, committed) and
hf_tokenize.py (HuggingFace `tokenizers` output, produced at test time), so both
see exactly the same strings in the same order.

A dataset string is referenced by its file (relative to the data dir), its row
and field (for people), and the byte span [off, off+len) of its exact UTF-8
bytes in the file (for programs): only values whose bytes occur verbatim in the
file are used (JSON values with escapes are skipped), so the C++ test reads the
text back without parsing CSV or JSON. Dataset text is never copied elsewhere.
"""

import csv
import hashlib
import io
import json
import os
import random

SEED = 20240611

# (relative path, format, field, language, how many to take)
RTP_LOCALES = ["AR", "CS", "DA", "DE", "EN", "ES", "FI", "FR", "HE", "HI", "HU", "ID", "IT",
               "JA", "KO", "NL", "NO-NB", "PL", "PT", "RU", "SV", "TH", "TR", "UK", "ZH-Hans", "ZH-Hant"]


def sources():
    s = []
    for loc in RTP_LOCALES:
        s.append((f"rtp-lx/v0.2_f10b92a/RTP_LX_{loc}.json", "jsonl", "Prompt", loc.lower(), 80))
    s.append(("rtp-lx/v0.3_909ae94_zip/RTP_LX_BCMS.json", "jsonl", "Prompt", "bcms", 40))
    for lang in ["arabic", "dutch", "french", "german", "hindi", "italian", "mandarin", "polish",
                 "portuguese", "spanish"]:
        s.append((f"multilingual-hatecheck/MHC Final Cases/hatecheck_cases_final_{lang}.csv", "csv_header",
                  "test_case", lang, 30))
    for lang, fname in [("ar", "Insult.csv"), ("de", "Insult.csv"), ("en", "Insult_n.csv"), ("fr", "Insult.csv"),
                        ("hi", "Insult.csv"), ("ja", "Insult.csv"), ("ru", "Insult.csv"), ("sp", "Insult.csv"),
                        ("zh", "Insult.csv"), ("bn", "commonsense.csv"), ("ja", "Mental_Health.csv"),
                        ("ru", "Ethics_And_Morality.csv")]:
        s.append((f"xsafety/{lang}/{fname}", "csv_noheader", 0, lang, 25))
    s.append(("korean-safety-benchmarks/data/KoSBi/kosbi_test.json", "json_array", "sentence", "ko", 60))
    s.append(("korean-safety-benchmarks/data/SQuARe/question_test.json", "json_array", "question", "ko", 60))
    for lang in ["ar", "en", "fr"]:
        s.append((f"mlma_hate_speech/hate_speech_mlma/{lang}_dataset.csv", "csv_header", "tweet", lang, 30))
    for lang in ["ar", "cs", "da", "de", "en", "eo", "es", "fa", "fi", "fil", "fr", "hi", "hu", "it", "ja",
                 "kab", "ko", "nl", "no", "pl", "pt", "ru", "sv", "th", "tlh", "tr", "zh"]:
        s.append((f"ldnoobw/{lang}", "lines", None, lang, 5))
    s.append(("do-not-answer-en/do_not_answer_en.csv", "csv_header", "question", "en", 30))
    s.append(("safetybench/opensource_data/test_zh_subset.json", "json_array", "question", "zh", 30))
    return s


def _records(raw, fmt, field):
    """Yields (row, field_name, value) in file order."""
    text = raw.decode("utf-8-sig")
    if fmt == "jsonl":
        for i, line in enumerate(text.split("\n")):
            if line.strip():
                yield i, field, json.loads(line).get(field, "")
    elif fmt == "json_array":
        data = json.loads(text)
        if isinstance(data, dict):
            data = list(data.values())
        for i, rec in enumerate(data):
            if isinstance(rec, dict) and isinstance(rec.get(field), str):
                yield i, field, rec[field]
    elif fmt == "csv_header":
        for i, rec in enumerate(csv.DictReader(io.StringIO(text, newline=""))):
            yield i, field, rec.get(field) or ""
    elif fmt == "csv_noheader":
        for i, rec in enumerate(csv.reader(io.StringIO(text, newline=""))):
            if rec:
                yield i, field, rec[field]
    elif fmt == "lines":
        for i, line in enumerate(text.split("\n")):
            yield i, "line", line.rstrip("\r")


def dataset_cases(data_dir):
    """Returns a list of dicts: src,row,field,lang,off,len,sha256,text(bytes)."""
    rng = random.Random(SEED)
    out = []
    for rel, fmt, field, lang, n in sources():
        path = os.path.join(data_dir, rel)
        if not os.path.exists(path):
            raise SystemExit(f"missing dataset file: {path}")
        raw = open(path, "rb").read()
        found = []
        cursor = 0
        for row, fname, value in _records(raw, fmt, field):
            if not value or not value.strip():
                continue
            b = value.encode("utf-8")
            off = raw.find(b, cursor)
            if off < 0:
                continue  # escaped in the file: not referable by byte span
            cursor = off + len(b)
            found.append((row, fname, off, b))
        picked = sorted(rng.sample(range(len(found)), min(n, len(found))))
        for k in picked:
            row, fname, off, b = found[k]
            out.append({"src": rel, "row": row, "field": fname, "lang": lang, "off": off, "len": len(b),
                        "sha256": hashlib.sha256(b).hexdigest(), "text": b})
    return out


def edge_cases():
    """Strings written here (stored inline in the reference files)."""
    long_word = "Donaudampfschifffahrtsgesellschaftskapitän" * 6
    cases = [
        "", " ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\n\n\n\n\n", "\r\n", " \n \n", "a  b   c    d",
        "trailing spaces   ", "   leading spaces", "tab\tseparated\tvalues", "line1\nline2\r\nline3",
        "mixed \t\n whitespace \u00a0 nbsp \u3000 ideographic",
        "emoji 👩‍👩‍👧‍👦 family ZWJ 🏳️‍🌈 flag 👍🏽 skin",
        "combining e\u0301 n\u0303 a\u0308 \u0915\u094d\u0937 \u0e01\u0e34\u0e4a",
        "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034da\u0357\u0369\u0301",
        long_word, "x" * 300, "1234567890" * 5, "3.14159 + 2,718 = 5.86 ١٢٣ ४५६ 七八九 ½ ²",
        "don't won't I'm you're they've we'll he'd IT'S I'LL",
        "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n",
        "<start_of_turn>user\nHola<end_of_turn>\n<start_of_turn>model\n",
        "<|endoftext|>", "<bos>text<eos>", "</s> not special <s>", "<unused0><unused12>",
        "<table><tr><td>cell</td></tr></table>", "[multimodal] <start_of_image>",
        "<|im_start|><|im_start|>", "<|im_start", "im_start|>",
        "https://example.com/path?q=1&b=2#frag", "user@example.org", "C:\\Windows\\System32",
        "def f(x):\n    return x ** 2  # comment\n", "{\"json\": [1, 2, {\"k\": null}]}",
        "ÀÉÎÕÜ àéîõü ß ẞ ǅ ﬁ", "Ελληνικά κείμενα με τόνους", "Русский текст, ёжик.",
        "עברית עם ניקוד: שָׁלוֹם", "العربية مع التشكيل: مَرْحَبًا", "हिन्दी पाठ", "বাংলা লেখা",
        "日本語のテキスト、カタカナとひらがな。", "한국어 텍스트입니다", "ภาษาไทยไม่มีช่องว่าง",
        "中文文本，没有空格。", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛 math", "\u200b zero\u200bwidth \u200d joiner \ufeff bom",
        "control \u0001\u0002\u001f chars \u007f", "ヽ(•‿•)ノ ¯\\_(ツ)_/¯", "........!!!!!!??????",
        "  \n\n  \t  \n", "a\u2028b\u2029c\u0085d",
    ]
    return cases


def all_cases(data_dir):
    ds = dataset_cases(data_dir)
    edge = [{"inline": s, "text": s.encode("utf-8"), "lang": "edge"} for s in edge_cases()]
    return ds + edge
