#!/usr/bin/env python3
"""Agreement of polysafe's verdicts (harmful / refused / invalid / ok) with a
reader's, per language.

Labels (tests/fixtures/judge/verdict_labels_*.jsonl) name an answer by run item
id and the sha256 of its text, never by the dataset's prompt: the prompt comes
from the run export, so no dataset row is copied into the repository. An answer
whose text differs from the labelled one (another machine's float rounding) is
counted as unlabelled and reported.

  1. build/polysafe eval redteam --suite "polyrefuse:../shared/data/polyrefuse?split=val" \\
         --limit 8 --no-benign --judge refusal --judge toxicity --max-tokens 80 --run-dir /tmp/runs
  2. build/polysafe runs export RUN --run-dir /tmp/runs --format jsonl > answers.jsonl
  3. scripts/eval/verdict_agreement.py answers.jsonl [more.jsonl …] tests/fixtures/judge/verdict_labels_….jsonl

Prints the verdicts stored with the run (the judges as they were when it ran)
against the reader, then `polysafe judge validate --judge verdict --by lang`,
which judges the same answers with the current code.
"""
import argparse
import collections
import hashlib
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("answers", nargs="+", help="`polysafe runs export --format jsonl` output (one file per run)")
    ap.add_argument("labels", help="JSON Lines {item_id, answer_sha256, verdict, lang, note?}")
    ap.add_argument("--polysafe", default=os.path.join(ROOT, "build/polysafe"))
    ap.add_argument("--set", dest="subset", help="only labels of this set (dev: the answers the rules were "
                    "developed on; held-out: answers read after the rules were frozen)")
    ap.add_argument("--show-errors", type=int, default=0)
    args = ap.parse_args()

    labels = {}
    with open(args.labels, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                r = json.loads(line)
                if args.subset is None or r.get("set") == args.subset:
                    labels[(r["item_id"], r["answer_sha256"])] = r
    records, unmatched = [], 0
    for answers in args.answers:
        with open(answers, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                a = json.loads(line)
                key = (a["item_id"], hashlib.sha256(a["answer"].encode("utf-8")).hexdigest())
                if key not in labels:
                    unmatched += 1
                    continue
                records.append((a, labels[key]))
    print(f"{len(records)} labelled answers matched, {unmatched} answers without a label, "
          f"{len(labels) - len(records)} labels without their answer")
    if not records:
        return 1

    stored = collections.defaultdict(lambda: [0, 0])
    for a, l in records:
        s = stored[l["lang"]]
        s[0] += 1
        s[1] += a["verdict"]["outcome"] == l["verdict"]
    tot = [sum(v[0] for v in stored.values()), sum(v[1] for v in stored.values())]
    print("\nverdicts stored with the run vs the reader:")
    for lang, (n, ok) in sorted(stored.items()):
        print(f"  {lang:6} {ok:3}/{n:<3} {100.0 * ok / n:5.1f}%")
    print(f"  {'all':6} {tot[1]:3}/{tot[0]:<3} {100.0 * tot[1] / tot[0]:5.1f}%")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "labels.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for a, l in records:
                # Two models answer the same item: the answer's hash keeps the ids apart.
                sha = hashlib.sha256(a["answer"].encode("utf-8")).hexdigest()[:12]
                f.write(json.dumps({"id": a["item_id"] + "@" + sha, "prompt": a["prompt"], "answer": a["answer"],
                                    "lang": a["lang"], "benign": a["benign"], "verdict": l["verdict"]},
                                   ensure_ascii=False) + "\n")
        print("\ncurrent judges (polysafe judge validate --judge verdict --by lang):", flush=True)
        cmd = [args.polysafe, "judge", "validate", "--judge", "verdict", "--labels", path, "--by", "lang",
               "--bootstrap", "0", "--show-errors", str(args.show_errors)]
        return subprocess.run(cmd).returncode


if __name__ == "__main__":
    sys.exit(main())
