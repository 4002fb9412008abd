#!/usr/bin/env python3
"""Builds refusal_validation.jsonl and refusal_tuning.jsonl from the hand-written
texts in refusal_texts_val.py / refusal_texts_tune.py (see README.md).

Every answer is paired with a prompt of the same language and labelled by
construction (refusal / compliance / invalid); the label of each kind of item is
documented in README.md. Invalid answers are derived deterministically (seeded
RNG) from the texts: empty, loops, gibberish, echoes, wrong language.

    python3 tests/data/judge/make_refusal_sets.py   # rewrites both files
"""
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from refusal_texts_val import VAL  # noqa: E402
from refusal_texts_tune import TUNE  # noqa: E402

SYMBOLS = list("#$%&*@!?~^+=<>|/\\{}[]_;:") + ["☺", "★", "♥", "→", "✓", "😀", "🔥", "💯", "🙏", "🚀"]
MIXED = "abcxyzжщфыאבגد ه و क ख ग 中国日本語한국어ثجقღშ"
DEBRIS = ["<unk>", "Ġthe", "Ġ", "Ċ", "<0x0A>", "▁▁", "<|endoftext|>", "</s>", "<pad>", "ĠĠ", "âĢ", "[UNK]"]


def letters_of(texts):
    s = sorted({c for t in texts for c in t if c.isalpha()})
    return s


def random_words(rng, alphabet, n_words, unspaced):
    words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(2, 9))) for _ in range(n_words)]
    return ("" if unspaced else " ").join(words)


def mojibake(text):
    return text.encode("utf-8").decode("cp1252", errors="replace")


# Which harmful prompt (index into "harmful") each hand-written answer responds to:
# the texts of both files were written for these prompts (they are parallel
# across languages, so the same index fits every language).
PAIRS = {
    "val": dict(refusals=[0, 1, 0, 3, 3, 1, 2, 5, 0, 2, 3, 4], partial_alt=[2, 5],
                comply=[0, 1, 2, 3, 4, 5, 0, 2], refuse_then_comply=[4, 0]),
    "tune": dict(refusals=[0, 1, 0, 1, 0], partial_alt=[0], comply=[0, 1, 0], refuse_then_comply=[1]),
}


def build(data, split, seed, sizes):
    rng = random.Random(seed)
    langs = list(data)
    rows = []

    def add(lang, prompt, answer, label, note):
        rows.append(dict(id=f"{split}-{lang}-{len([r for r in rows if r['lang'] == lang]) + 1:03d}",
                         lang=lang, prompt=prompt, answer=answer, label=label, note=note))

    for li, lang in enumerate(langs):
        d = data[lang]
        H, B = d["harmful"], d["benign"]
        unspaced = lang in ("zh", "ja")
        others = [l for l in langs if l != lang]
        # refusals in every style written
        for i, r in enumerate(d["refusals"]):
            add(lang, H[PAIRS[split]["refusals"][i]], r, "refusal", f"refusal style {i + 1}")
        for i, r in enumerate(d["partial_alt"]):
            add(lang, H[PAIRS[split]["partial_alt"][i]], r, "refusal", "partial refusal: declines, offers a safe alternative")
        # refusals written in another language than the prompt's: still refusals
        for k in range(sizes["cross_refusals"]):
            other = others[(li + 3 * k) % len(others)]
            j = (li + k) % len(data[other]["refusals"])
            add(lang, H[PAIRS[split]["refusals"][j]], data[other]["refusals"][j], "refusal", f"refusal written in {other}")
        # compliance
        for i, c in enumerate(d["comply"]):
            add(lang, H[PAIRS[split]["comply"][i]], c, "compliance", "compliance placeholder" +
                (" with disclaimer" if i in (4, 5) and split == "val" else ""))
        for i, c in enumerate(d["refuse_then_comply"]):
            add(lang, H[PAIRS[split]["refuse_then_comply"][i]], c, "compliance", "refuses, then complies anyway")
        for p, a in B:
            add(lang, p, a, "compliance", "benign prompt, benign answer")
        if sizes["quoted_english"]:
            # code-switching: an English term quoted inside an answer in the prompt's language
            add(lang, B[2][0], B[2][1] + ' ("sleep hygiene", "blue light", "CBT-I")', "compliance",
                "benign answer quoting English terms (code-switching is not a wrong language)")
        # invalid: empty
        add(lang, H[0], "", "invalid", "empty")
        if sizes["whitespace"]:
            add(lang, B[0][0], "  \n\t  ", "invalid", "whitespace only")
        # invalid: repetition
        add(lang, H[1 % len(H)], " ".join([d["loop"]] * rng.randint(20, 35)), "invalid", "repetition loop of a sentence")
        first = B[1][1]
        frag = first.split()[:3] if not unspaced else [first[:4]]
        add(lang, B[1][0], first + " " + " ".join(frag * rng.randint(30, 45)), "invalid", "answer degenerates into a loop")
        if sizes["rep_extra"]:
            tok = (first[1] if unspaced else first.split()[1])
            add(lang, B[2 % len(B)][0], (tok if unspaced else tok + " ") * rng.randint(60, 120), "invalid", "single-token loop")
            add(lang, H[2 % len(H)], " ".join([d["refusals"][0]] * rng.randint(15, 25)), "invalid",
                "a refusal stuck in a loop (degenerate: invalid by precedence)")
        # invalid: gibberish
        alphabet = letters_of([a for _, a in B] + d["refusals"])
        add(lang, H[3 % len(H)], random_words(rng, alphabet, rng.randint(12, 25), unspaced), "invalid",
            "gibberish: random letters of the language's alphabet")
        add(lang, B[3 % len(B)][0], " ".join("".join(rng.choice(SYMBOLS) for _ in range(rng.randint(1, 5)))
                                             for _ in range(rng.randint(8, 20))), "invalid", "gibberish: symbols and emoji")
        if sizes["gib_extra"]:
            if any(ord(c) > 127 for c in B[4 % len(B)][1]):
                add(lang, B[4 % len(B)][0], mojibake(B[4 % len(B)][1]), "invalid", "gibberish: mojibake (UTF-8 read as cp1252)")
            else:
                add(lang, B[4 % len(B)][0], " ".join(rng.choice(DEBRIS) for _ in range(rng.randint(15, 30))), "invalid",
                    "gibberish: tokenizer debris")
            add(lang, H[4 % len(H)], "".join(rng.choice(MIXED) for _ in range(rng.randint(40, 80))), "invalid",
                "gibberish: random characters of many scripts")
        # invalid: echo
        add(lang, H[5 % len(H)], H[5 % len(H)], "invalid", "echo of the prompt")
        if sizes["echo_extra"]:
            add(lang, B[5 % len(B)][0], B[5 % len(B)][0] + " " + B[5 % len(B)][0], "invalid", "echo: prompt repeated")
        # invalid: wrong language (not a refusal): the same question answered in another language
        for k in range(sizes["wrong_lang"]):
            other = ("en" if lang != "en" else "fr") if k == 0 else others[(li + 5 * k) % len(others)]
            bi = (k + 1) % len(B)
            add(lang, B[bi][0], data[other]["benign"][bi][1], "invalid", f"benign answer in {other} (wrong language)")
        if sizes["wrong_comply"]:
            other = others[(li + 1) % len(others)]
            add(lang, H[1], data[other]["comply"][0], "invalid", f"compliance written in {other} (wrong language)")
    return rows


def write(rows, path):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{path.name}: {len(rows)} rows")


if __name__ == "__main__":
    val = build(VAL, "val", 20240611, dict(cross_refusals=4, quoted_english=True, whitespace=True, rep_extra=True, gib_extra=True,
                                           echo_extra=True, wrong_lang=3, wrong_comply=True))
    tune = build(TUNE, "tune", 7, dict(cross_refusals=1, quoted_english=False, whitespace=False, rep_extra=False, gib_extra=True,
                                       echo_extra=False, wrong_lang=2, wrong_comply=False))
    val_answers = {r["answer"] for r in val if r["answer"].strip()}
    overlap = [r["id"] for r in tune if r["answer"] in val_answers]
    assert not overlap, f"tuning answers also in validation: {overlap[:5]}"
    write(val, HERE / "refusal_validation.jsonl")
    write(tune, HERE / "refusal_tuning.jsonl")
