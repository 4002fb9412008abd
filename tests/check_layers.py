#!/usr/bin/env python3
"""Checks that src/ layers include only the layers below them (docs/architecture.md).

Each file's `#include "layer/..."` lines are read and compared with the table
below; a violation names the file, the line and the layer it reached. The table
is the picture in docs/architecture.md: change both together.
"""
import pathlib
import re
import sys

ALLOWED = {
    "util": set(),
    "lang": {"util"},
    "formats": {"util"},
    "chat_template": {"util"},
    "tokenizer": {"formats", "util"},
    "hub": {"formats", "util"},
    "engine": {"tokenizer", "chat_template", "hub", "formats", "util"},
    # backend/ proper is HTTP only; the local-engine backend and the spec factory
    # form polysafe_backend_local and are the only files that may reach engine/.
    "backend": {"util"},
    "judge": {"backend", "lang", "util"},
    "data": {"lang", "util"},
    "eval": {"data", "judge", "backend", "lang", "util"},
    "report": {"eval", "data", "judge", "lang", "util"},
    "detox": {"engine", "tokenizer", "chat_template", "formats", "hub", "util"},
    "cli": None,  # the binary may use every layer
}
BACKEND_LOCAL = {"local_backend.cpp", "local_backend.h", "backend_factory.cpp", "backend_factory.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main() -> int:
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    problems = []
    layers = sorted(p.name for p in src.iterdir() if p.is_dir())
    for layer in layers:
        if layer not in ALLOWED:
            problems.append(f"{src / layer}: layer not in the table of tests/check_layers.py")
            continue
        allowed = ALLOWED[layer]
        if allowed is None:
            continue
        for f in sorted((src / layer).glob("*")):
            if f.suffix not in (".h", ".cpp"):
                continue
            ok = set(allowed) | {layer}
            if layer == "backend" and f.name in BACKEND_LOCAL:
                ok |= {"engine"}
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
                m = INCLUDE.match(line)
                if m and m.group(1) in layers and m.group(1) not in ok:
                    problems.append(f"{f}:{n}: {layer}/ includes {m.group(1)}/, which is not below it")
    for p in problems:
        print(p)
    print(f"{len(layers)} layers checked, {len(problems)} violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
