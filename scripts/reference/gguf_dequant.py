#!/usr/bin/env python3
"""Reference dequantisation for polysafe's tests (dev tool; needs `gguf`, `numpy`).

Uses gguf-py (gguf.GGUFReader + gguf.quants.dequantize/quantize) as the
reference that tests/formats compares polysafe's C++ against, bit for bit.

  model PATH OUT_F32 MANIFEST_JSON [--max-elements N]
      For every tensor: dequantise all rows, or, above N elements, three
      chunks of rows (start, middle, end). Writes the float32 values of the
      chosen rows back to back to OUT_F32 and a JSON manifest of the choice.
  random TYPE N_BLOCKS SEED OUT_RAW OUT_F32
      Random blocks of TYPE (fp16 scale fields finite, everything else random
      bytes) and their dequantisation.
  encode N SEED OUT_F32 OUT_F16 OUT_BF16 OUT_Q8_0
      Float32 inputs (random bit patterns over the finite range plus rounding
      corner cases) and their numpy float16 / gguf BF16 / gguf Q8_0 encodings.
"""
import json
import sys

import numpy as np
from gguf import GGUFReader, GGMLQuantizationType as QT
from gguf.constants import GGML_QUANT_SIZES
import gguf.quants as quants


def open_reader(path):
    """GGUFReader over an in-memory copy of the file instead of np.memmap.

    GGUFReader builds a numpy view per metadata item; on np.memmap each view
    pays memmap.__array_finalize__, which made Gemma 3's 3 x 262144-entry
    vocabulary arrays take ~20 s of CPU. The bytes parsed are identical; only
    the module-local name `np` inside gguf.gguf_reader is redirected.
    """
    import gguf.gguf_reader as gr

    class _NumpyWithoutMemmap:
        def __getattr__(self, name):
            return getattr(np, name)

        @staticmethod
        def memmap(p, mode="r", **kw):
            return np.fromfile(p, dtype=np.uint8)

    saved = gr.np
    gr.np = _NumpyWithoutMemmap()
    try:
        return GGUFReader(path)
    finally:
        gr.np = saved


def cmd_model(path, out_f32, manifest_path, max_elements=1 << 16):
    reader = open_reader(path)
    entries = []
    offset = 0
    with open(out_f32, "wb") as out:
        for t in reader.tensors:
            qtype = QT(int(t.tensor_type))
            ne0 = int(t.shape[0])  # gguf-py keeps ggml order in t.shape
            n = int(t.n_elements)
            n_rows = n // ne0
            if n <= max_elements:
                ranges = [(0, n_rows)]
            else:
                k = max(1, max_elements // ne0 // 3)
                mid = n_rows // 2
                ranges = sorted({(0, k), (mid, min(n_rows, mid + k)), (n_rows - k, n_rows)})
            rows = np.asarray(t.data).reshape(n_rows, -1)
            count = 0
            for r0, r1 in ranges:
                vals = quants.dequantize(rows[r0:r1], qtype).astype(np.float32, copy=False)
                assert vals.size == (r1 - r0) * ne0
                out.write(np.ascontiguousarray(vals).tobytes())
                count += vals.size
            entries.append({"name": t.name, "type": qtype.name, "type_id": int(qtype), "ne0": ne0,
                            "n_rows": n_rows, "ranges": [list(r) for r in ranges],
                            "offset": offset, "count": count})
            offset += count
    with open(manifest_path, "w") as f:
        json.dump({"file": path, "total": offset, "tensors": entries}, f)


# Byte offsets of the fp16 fields inside one block (ggml-common.h).
FP16_FIELDS = {
    "Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q8_0": [0],
    "Q2_K": [80, 82], "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208],
}


def random_finite_half(rng, n):
    h = rng.integers(0, 1 << 16, size=n, dtype=np.uint16)
    bad = (h & 0x7C00) == 0x7C00  # inf / NaN
    h[bad] &= np.uint16(0xBFFF)  # clear the top exponent bit: finite
    return h


def cmd_random(type_name, n_blocks, seed, out_raw, out_f32):
    rng = np.random.default_rng(seed)
    qtype = QT[type_name]
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    if type_name == "F16":
        raw = random_finite_half(rng, n_blocks).view(np.uint8)
    elif type_name == "BF16":
        b = rng.integers(0, 1 << 16, size=n_blocks, dtype=np.uint16)
        b[(b & 0x7F80) == 0x7F80] &= np.uint16(0xBFFF)
        raw = b.view(np.uint8)
    elif type_name == "F32":
        u = rng.integers(0, 1 << 32, size=n_blocks, dtype=np.uint64).astype(np.uint32)
        u[(u & 0x7F800000) == 0x7F800000] &= np.uint32(0xBFFFFFFF)
        raw = u.view(np.uint8)
    else:
        blocks = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
        for off in FP16_FIELDS[type_name]:
            blocks[:, off:off + 2] = random_finite_half(rng, n_blocks).view(np.uint8).reshape(n_blocks, 2)
        raw = blocks.reshape(-1)
    raw = np.ascontiguousarray(raw)
    vals = quants.dequantize(raw.reshape(1, -1), qtype).astype(np.float32, copy=False)
    assert vals.size == n_blocks * block_size, (vals.size, n_blocks, block_size)
    raw.tofile(out_raw)
    np.ascontiguousarray(vals).tofile(out_f32)


def cmd_encode(n, seed, out_f32, out_f16, out_bf16, out_q8):
    rng = np.random.default_rng(seed)
    # Random bit patterns over all finite floats, then values around the fp16
    # range (normal, subnormal, overflow), exact ties of both encodings.
    u = rng.integers(0, 1 << 32, size=n, dtype=np.uint64).astype(np.uint32)
    u[(u & 0x7F800000) == 0x7F800000] &= np.uint32(0xBFFFFFFF)
    near = (rng.uniform(-26, 17, size=n)).astype(np.float32)
    near = (np.sign(rng.uniform(-1, 1, size=n)) * np.exp2(near)).astype(np.float32)
    halves = random_finite_half(rng, n).view(np.float16).astype(np.float32)
    # Ties: a half value plus half a half-ulp (exactly representable in float32).
    nxt = np.nextafter(halves.astype(np.float16), np.float16(np.inf)).astype(np.float32)
    ties = np.where(np.isfinite(nxt), halves + (nxt - halves) / np.float32(2), halves).astype(np.float32)
    bf_ties = ((rng.integers(0, 1 << 16, size=n, dtype=np.uint32) << 16) | 0x8000).astype(np.uint32)
    bf_ties[(bf_ties & 0x7F800000) == 0x7F800000] &= np.uint32(0xBFFFFFFF)
    special = np.array([0.0, -0.0, 65504.0, 65519.99, 65520.0, -65520.0, 65536.0, 2.0**-24, 2.0**-25,
                        2.0**-25 * 1.0000001, 2.0**-14, 2.0**-14 * 0.99999, 1e-30, 3.4e38, -3.4e38,
                        np.float32(np.finfo(np.float32).max), np.float32(np.finfo(np.float32).tiny)],
                       dtype=np.float32)
    x = np.concatenate([u.view(np.float32), near, halves, ties, bf_ties.view(np.float32), special])
    x = x[: len(x) // 32 * 32].astype(np.float32)
    with np.errstate(over="ignore"):
        f16 = x.astype(np.float16)
    bf16 = quants.quantize(x, QT.BF16)
    # Q8_0 on values of moderate range (x * id overflows for huge blocks, as in ggml).
    q_in = rng.normal(0, 1, size=len(x)).astype(np.float32) * np.exp2(rng.integers(-20, 20, size=(len(x) // 32, 1))).repeat(32, axis=1).reshape(-1).astype(np.float32)
    q_in[:32] = 0.0  # an all-zero block: d = 0
    q_in[32:64] = np.arange(32, dtype=np.float32) - 15.5  # ties of x*id
    q8 = quants.quantize(q_in.reshape(1, -1), QT.Q8_0)
    np.concatenate([x, q_in]).astype(np.float32).tofile(out_f32)
    f16.view(np.uint16).tofile(out_f16)
    np.ascontiguousarray(bf16).tofile(out_bf16)
    np.ascontiguousarray(q8).tofile(out_q8)


def main(argv):
    if len(argv) >= 4 and argv[0] == "model":
        max_el = 1 << 16
        if len(argv) >= 6 and argv[4] == "--max-elements":
            max_el = int(argv[5])
        cmd_model(argv[1], argv[2], argv[3], max_el)
    elif len(argv) == 6 and argv[0] == "random":
        cmd_random(argv[1], int(argv[2]), int(argv[3]), argv[4], argv[5])
    elif len(argv) == 7 and argv[0] == "encode":
        cmd_encode(int(argv[1]), int(argv[2]), *argv[3:7])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
