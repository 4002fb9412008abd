#!/usr/bin/env python3
"""Markdown tables of a Goodtriever experiment (docs/detox.md).

Reads the metrics JSON that `polysafe eval toxicity --json` printed for each
condition (NAME=FILE) and, optionally, comparison JSONs written by
`polysafe report BEFORE AFTER --json F` (delta:NAME=FILE), and prints one table
of EMT / toxicity probability / perplexity / distinct-2 per language and
condition, then the paired changes.
"""
import json
import sys


def ci(m, scale=1.0, digits=3):
    if m is None or m.get("value") is None:
        return "n/a"
    v, lo, hi = (m.get(k) for k in ("value", "lo", "hi"))
    if lo is None:
        return f"{v * scale:.{digits}f}"
    return f"{v * scale:.{digits}f} [{lo * scale:.{digits}f}, {hi * scale:.{digits}f}]"


def main(argv):
    runs, deltas = [], []
    for a in argv:
        name, _, path = a.partition("=")
        if not path:
            print(f"toxicity_tables: expected NAME=FILE, got '{a}'", file=sys.stderr)
            return 2
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        (deltas if name.startswith("delta:") else runs).append((name.removeprefix("delta:"), data))
    if runs:
        langs = [g["group"] for g in runs[0][1]["by_lang"]] + ["all"]
        print("| language | condition | EMT [95% CI] | toxicity probability [95% CI] | perplexity [95% CI] | distinct-2 |")
        print("|---|---|---|---|---|---|")
        for lang in langs:
            for name, m in runs:
                g = m["all"] if lang == "all" else next(x for x in m["by_lang"] if x["group"] == lang)
                print(f"| {lang} | {name} | {ci(g['emt'])} | {ci(g['toxicity_probability'])} | "
                      f"{ci(g['perplexity'], digits=1)} | {ci(g['distinct2'], digits=3)} |")
    for name, c in deltas:
        print(f"\n{name}: change after - before, paired over prompts (* : interval excludes 0)\n")
        print("| language | paired prompts | Δ EMT | Δ toxicity probability | Δ perplexity |")
        print("|---|---|---|---|---|")
        for d in c["deltas"]:
            def cell(key, digits=3):
                star = " *" if d.get("significant", {}).get(key) else ""
                return ci(d[key], digits=digits) + star
            print(f"| {d['group']} | {d['paired_prompts']} | {cell('emt')} | {cell('toxicity_probability')} | "
                  f"{cell('perplexity', 1)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
