#!/usr/bin/env python3
"""Writes a HuggingFace-layout checkpoint (config.json, model.safetensors,
tokenizer.json) from an F32 GGUF with the `gguf`, `numpy` and `safetensors`
packages — independently of polysafe's own loader — so a test can load both
forms with polysafe and require the same logits.

Undoes what llama.cpp's convert_hf_to_gguf.py does to HF weights:
  - llama Q/K rows: GGUF interleaves each head's rotary pairs (LlamaModel.permute);
    HF keeps the two halves apart, so the inverse permutation is applied;
  - gemma3 norms: GGUF stores 1 + w, HF stores w;
  - names: blk.N.attn_q -> model.layers.N.self_attn.q_proj, etc.
Supported: llama, qwen2 (no permutation; Q/K/V biases), gemma3.

Usage: gguf_to_hf_checkpoint.py --gguf MODEL.f32.gguf --out DIR --tokenizer-kind bytelevel|spm-bpe
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
from gguf import GGUFReader
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))

PARTS = {
    "attn_norm.weight": "input_layernorm.weight",
    "attn_q.weight": "self_attn.q_proj.weight", "attn_k.weight": "self_attn.k_proj.weight",
    "attn_v.weight": "self_attn.v_proj.weight", "attn_output.weight": "self_attn.o_proj.weight",
    "attn_q.bias": "self_attn.q_proj.bias", "attn_k.bias": "self_attn.k_proj.bias",
    "attn_v.bias": "self_attn.v_proj.bias",
    "attn_q_norm.weight": "self_attn.q_norm.weight", "attn_k_norm.weight": "self_attn.k_norm.weight",
    "post_attention_norm.weight": "post_attention_layernorm.weight",
    "post_ffw_norm.weight": "post_feedforward_layernorm.weight",
    "ffn_gate.weight": "mlp.gate_proj.weight", "ffn_up.weight": "mlp.up_proj.weight",
    "ffn_down.weight": "mlp.down_proj.weight",
}


def field(reader, key, default=None):
    f = reader.fields.get(key)
    if f is None:
        return default
    v = f.parts[f.data[0]]
    if f.types and f.types[0].name == "STRING":
        return bytes(v).decode()
    return v.tolist()[0] if len(f.data) == 1 else [f.parts[i].tolist()[0] for i in f.data]


def unpermute(w, n_head):
    # Inverse of convert_hf_to_gguf.py's LlamaModel.permute.
    rows = w.shape[0]
    return w.reshape(n_head, rows // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tokenizer-kind", required=True, choices=["bytelevel", "spm-bpe"])
    a = ap.parse_args()
    r = GGUFReader(a.gguf)
    arch = field(r, "general.architecture")
    if arch not in ("llama", "qwen2", "gemma3"):
        sys.exit(f"{a.gguf}: architecture '{arch}' not supported here")
    g = lambda k, d=None: field(r, f"{arch}.{k}", d)  # noqa: E731
    n_head, n_kv = g("attention.head_count"), g("attention.head_count_kv")
    hidden = g("embedding_length")
    head_dim = g("attention.key_length", hidden // n_head)
    tensors, tied = {}, True
    for t in r.tensors:
        if t.tensor_type.name != "F32":
            sys.exit(f"{a.gguf}: tensor '{t.name}' is {t.tensor_type.name}; write an F32 copy first")
        w = np.array(t.data, dtype=np.float32).reshape([int(x) for x in reversed(t.shape.tolist())])
        if t.name == "token_embd.weight":
            tensors["model.embed_tokens.weight"] = w
        elif t.name == "output.weight":
            tensors["lm_head.weight"], tied = w, False
        elif t.name == "output_norm.weight":
            tensors["model.norm.weight"] = w - 1 if arch == "gemma3" else w
        elif t.name.startswith("blk."):
            _, n, part = t.name.split(".", 2)
            if part == "ffn_norm.weight":
                hf = "pre_feedforward_layernorm.weight" if arch == "gemma3" else "post_attention_layernorm.weight"
            else:
                hf = PARTS[part]
            if arch == "llama" and part in ("attn_q.weight", "attn_k.weight"):
                w = unpermute(w, n_head if part == "attn_q.weight" else n_kv)
            if arch == "gemma3" and part.endswith("norm.weight"):
                w = w - 1
            tensors[f"model.layers.{n}.{hf}"] = np.ascontiguousarray(w)
        else:
            sys.exit(f"{a.gguf}: unexpected tensor '{t.name}'")
    os.makedirs(a.out, exist_ok=True)
    save_file(tensors, os.path.join(a.out, "model.safetensors"), metadata={"format": "pt"})

    vocab = tensors["model.embed_tokens.weight"].shape[0]
    cfg = {
        "architectures": [{"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM",
                           "gemma3": "Gemma3ForCausalLM"}[arch]],
        "model_type": "gemma3_text" if arch == "gemma3" else arch,
        "hidden_size": hidden, "intermediate_size": g("feed_forward_length"),
        "num_hidden_layers": g("block_count"), "num_attention_heads": n_head, "num_key_value_heads": n_kv,
        "head_dim": head_dim, "max_position_embeddings": g("context_length"),
        "rms_norm_eps": g("attention.layer_norm_rms_epsilon"), "rope_theta": g("rope.freq_base", 10000.0),
        "vocab_size": vocab, "tie_word_embeddings": tied, "torch_dtype": "float32",
        "bos_token_id": field(r, "tokenizer.ggml.bos_token_id"), "eos_token_id": field(r, "tokenizer.ggml.eos_token_id"),
    }
    if arch == "gemma3":
        cfg.update({"sliding_window": g("attention.sliding_window"), "rope_local_base_freq": 10000.0,
                    "query_pre_attn_scalar": head_dim, "hidden_activation": "gelu_pytorch_tanh"})
    if arch == "qwen2":
        cfg["hidden_act"] = "silu"
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    subprocess.run([sys.executable, os.path.join(HERE, "make_tokenizer_json.py"), "--gguf", a.gguf, "--kind",
                    a.tokenizer_kind, "--out", os.path.join(a.out, "tokenizer.json")], check=True)


if __name__ == "__main__":
    main()
