#!/usr/bin/env python3
"""Decodes byte strings as UTF-8 with U+FFFD for ill-formed parts (reference for
the streaming-decoder tests): CPython's codec substitutes one U+FFFD per maximal
subpart, as Unicode 15 section 3.9 recommends and polysafe's StreamingDecoder does.

Input: a JSON array of hex strings. Output: a JSON array (ASCII, \\u escapes) of
bytes.fromhex(h).decode("utf-8", "replace") for each.

Usage: utf8_replace.py CASES_JSON OUT_JSON
"""

import json
import sys


def main():
    cases = json.load(open(sys.argv[1], encoding="utf-8"))
    out = [bytes.fromhex(h).decode("utf-8", "replace") for h in cases]
    with open(sys.argv[2], "w", encoding="ascii") as f:
        json.dump(out, f, ensure_ascii=True)


if __name__ == "__main__":
    main()
