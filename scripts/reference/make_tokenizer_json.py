#!/usr/bin/env python3
"""Builds a HuggingFace tokenizer.json from a GGUF vocabulary with the `tokenizers` package.

No tokenizer.json ships with the default models, so the tokenizer.json parity
test makes its own at test time (into a temp dir):

  --kind bytelevel   SmolLM2-style byte-level BPE: the GGUF vocab and merges,
                     pre-tokeniser Sequence[Digits(individual), ByteLevel(regex)]
                     (SmolLM2's real settings), control tokens as special added tokens.
  --kind spm-bpe     Gemma-style SentencePiece BPE: the GGUF vocab, merges derived
                     from the SentencePiece scores (every split of a piece into two
                     vocab pieces, ranked by the piece's score), byte_fallback with
                     <0xXX> tokens, normaliser Replace(" ", "▁"), BOS added by a
                     TemplateProcessing post-processor; control tokens special,
                     user-defined tokens non-special added tokens (not normalised).

Usage: make_tokenizer_json.py --gguf MODEL.gguf --kind bytelevel|spm-bpe --out tokenizer.json
"""

import argparse

from gguf import GGUFReader
from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def read_vocab(path):
    r = GGUFReader(path)
    f = r.fields
    tokens = f["tokenizer.ggml.tokens"].contents()
    types = f["tokenizer.ggml.token_type"].contents()
    scores = f["tokenizer.ggml.scores"].contents() if "tokenizer.ggml.scores" in f else None
    merges = f["tokenizer.ggml.merges"].contents() if "tokenizer.ggml.merges" in f else None
    bos = f["tokenizer.ggml.bos_token_id"].contents() if "tokenizer.ggml.bos_token_id" in f else None
    return tokens, types, scores, merges, bos


def added_tokens(tokens, types):
    out = []
    for i, (t, ty) in enumerate(zip(tokens, types)):
        if ty in (CONTROL, UNKNOWN):
            out.append(AddedToken(t, special=True, normalized=False))
        elif ty == USER_DEFINED:
            out.append(AddedToken(t, special=False, normalized=False))
    return out


def build_bytelevel(tokens, types, merges):
    vocab = {t: i for i, t in enumerate(tokens)}
    pairs = [tuple(m.split(" ", 1)) for m in merges]
    tk = Tokenizer(models.BPE(vocab=vocab, merges=pairs, fuse_unk=False, byte_fallback=False))
    tk.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])
    tk.decoder = decoders.ByteLevel()
    tk.add_tokens(added_tokens(tokens, types))
    return tk


def build_spm_bpe(tokens, types, scores, bos):
    vocab = {}
    for i, t in enumerate(tokens):
        vocab.setdefault(t, i)
    # Merges: every way to write a normal piece as two vocab pieces, best score first.
    cand = []
    for i, (t, ty) in enumerate(zip(tokens, types)):
        if ty != NORMAL or len(t) < 2:
            continue
        for k in range(1, len(t)):
            left, right = t[:k], t[k:]
            if left in vocab and right in vocab:
                cand.append((-scores[i], i, k, left, right))
    cand.sort()
    pairs = [(c[3], c[4]) for c in cand]
    tk = Tokenizer(models.BPE(vocab=vocab, merges=pairs, unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    tk.normalizer = normalizers.Replace(" ", "\u2581")
    tk.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse()])
    tk.add_tokens(added_tokens(tokens, types))
    if bos is not None:
        tk.post_processor = processors.TemplateProcessing(
            single=f"{tokens[bos]} $A", pair=f"{tokens[bos]} $A $B", special_tokens=[(tokens[bos], bos)])
    return tk


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--kind", choices=["bytelevel", "spm-bpe"], required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    tokens, types, scores, merges, bos = read_vocab(a.gguf)
    tk = build_bytelevel(tokens, types, merges) if a.kind == "bytelevel" else build_spm_bpe(tokens, types, scores, bos)
    tk.save(a.out)


if __name__ == "__main__":
    main()
