#!/usr/bin/env python3
"""Reads a GGUF file with gguf-py and prints it as JSON (dev tool for polysafe's tests).

  gguf_inspect.py FILE [--values N] [--source NAME=RAW_F32 ...]

Output: {"version", "alignment", "data_offset",
         "metadata": {key: {"types": [GGUFValueType names], "value": contents}},
         "tensors": [{"name", "type", "shape" (ggml order), "n_bytes", "offset",
                      "values" (dequantised, tensors of at most N elements)}],
         "checks": {NAME: {"type", "n_bytes", "mismatched_bytes"}}}
Nested arrays appear flattened in "value" (gguf-py's ReaderField.contents).
--source NAME=RAW_F32 re-encodes the float32 values in RAW_F32 with gguf-py
(F16: numpy astype, BF16/Q8_0: gguf.quants.quantize) and counts the bytes that
differ from tensor NAME in FILE.
"""
import json
import sys

import numpy as np
from gguf import GGUFReader, GGMLQuantizationType as QT
import gguf.quants as quants


def main(argv):
    path = argv[0]
    max_values = 4096
    sources = {}
    i = 1
    while i < len(argv):
        if argv[i] == "--values":
            max_values = int(argv[i + 1]); i += 2
        elif argv[i] == "--source":
            name, raw = argv[i + 1].split("=", 1)
            sources[name] = raw; i += 2
        else:
            sys.stderr.write(__doc__); return 2

    r = GGUFReader(path)
    out = {"version": None, "alignment": int(r.alignment), "data_offset": int(r.data_offset),
           "metadata": {}, "tensors": [], "checks": {}}
    for key, field in r.fields.items():
        if key.startswith("GGUF."):
            if key == "GGUF.version":
                out["version"] = int(field.parts[-1][0])
            continue
        out["metadata"][key] = {"types": [t.name for t in field.types], "value": field.contents()}
    for t in r.tensors:
        qtype = QT(int(t.tensor_type))
        entry = {"name": t.name, "type": qtype.name, "shape": [int(x) for x in t.shape],
                 "n_bytes": int(t.n_bytes), "offset": int(t.data_offset - r.data_offset)}
        if int(t.n_elements) <= max_values:
            vals = quants.dequantize(np.asarray(t.data), qtype).astype(np.float32).reshape(-1)
            entry["values"] = [float(v) for v in vals]
        out["tensors"].append(entry)
        if t.name in sources:
            ne0 = int(t.shape[0])
            x = np.fromfile(sources[t.name], dtype=np.float32).reshape(-1, ne0)
            if qtype == QT.F32:
                ref = x
            elif qtype == QT.F16:
                ref = x.astype(np.float16)
            else:
                ref = quants.quantize(x, qtype)
            ref = np.ascontiguousarray(ref).view(np.uint8).reshape(-1)
            got = np.asarray(t.data).view(np.uint8).reshape(-1)
            mism = int(np.count_nonzero(ref != got)) if ref.size == got.size else -1
            out["checks"][t.name] = {"type": qtype.name, "n_bytes": int(got.size), "mismatched_bytes": mism}
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
