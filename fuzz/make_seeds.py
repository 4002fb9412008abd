#!/usr/bin/env python3
"""Writes the initial seed inputs of the fuzz corpora (fuzz/corpus/<harness>/seed-*).

Dev tool only (needs the pip packages gguf, numpy, safetensors, tokenizers). The
seeds are tiny valid files so the fuzzer starts from deep inside each parser; the
text they are built from is written here, not taken from any dataset. After a
fuzz run, scripts/fuzz.sh replaces the corpus by a minimised merge, so these
seeds survive only as far as they add coverage. Usage: fuzz/make_seeds.py
"""
import json
import os
import shutil
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")

# A few lines in several scripts to train the tiny tokenizers on.
TRAIN_TEXT = [
    "The quick brown fox jumps over the lazy dog 42 times.",
    "Safety evaluation needs prompts in many languages, not only English.",
    "Le renard brun saute par-dessus le chien paresseux, n'est-ce pas ?",
    "Der schnelle Fuchs springt über den faulen Hund: 3 Mal, 2025.",
    "El zorro marrón salta sobre el perro perezoso; ¡qué rápido!",
    "Быстрая лиса прыгает через ленивую собаку.",
    "素早い茶色の狐がのろまな犬を飛び越える。",
    "快速的棕色狐狸跳过了懒狗。",
    "الثعلب البني السريع يقفز فوق الكلب الكسول",
    "तेज़ भूरी लोमड़ी आलसी कुत्ते के ऊपर कूदती है।",
    "Emoji too: 🦊 🐕 👍🏽 and tabs\tand  double  spaces.",
    "I'm sure they'll say it's fine; we've seen that you'd agree.",
]


def out_dir(harness):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    return d


def write(harness, name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(out_dir(harness), "seed-" + name), mode) as f:
        f.write(data)


# --------------------------------------------------------------------- GGUF
def gguf_seeds():
    import gguf
    from gguf import GGMLQuantizationType as Q

    tmp = tempfile.mkdtemp()
    rng = np.random.default_rng(1)

    def build(name, fill):
        path = os.path.join(tmp, name)
        w = gguf.GGUFWriter(path, "llama")
        fill(w)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
        with open(path, "rb") as f:
            write("fuzz_gguf", name, f.read())

    def q4_k_blocks(n_blocks):
        # Q4_K block (ggml-common.h block_q4_K): f16 d, f16 dmin, 12 bytes of 6-bit
        # scales/mins, 128 bytes of 4-bit quants = 144 bytes per 256 weights.
        blocks = []
        for _ in range(n_blocks):
            head = np.array([0.01, 0.002], dtype=np.float16).tobytes()
            blocks.append(head + rng.integers(0, 256, 140, dtype=np.uint8).tobytes())
        return np.frombuffer(b"".join(blocks), dtype=np.uint8).reshape(1, -1)

    def rich(w):
        w.add_name("fuzz-seed")
        w.add_context_length(128)
        w.add_embedding_length(8)
        w.add_block_count(1)
        w.add_feed_forward_length(16)
        w.add_head_count(2)
        w.add_head_count_kv(1)
        w.add_layer_norm_rms_eps(1e-5)
        w.add_rope_freq_base(10000.0)
        w.add_file_type(1)
        w.add_uint8("fuzz.u8", 7)
        w.add_int8("fuzz.i8", -7)
        w.add_uint16("fuzz.u16", 65535)
        w.add_int16("fuzz.i16", -300)
        w.add_int32("fuzz.i32", -123456)
        w.add_uint64("fuzz.u64", 2**40)
        w.add_int64("fuzz.i64", -(2**40))
        w.add_float64("fuzz.f64", 3.5)
        w.add_bool("fuzz.bool", True)
        w.add_string("fuzz.utf8", "héllo — 世界 🦊")
        w.add_array("fuzz.floats", [0.5, -1.0, 2.25])
        w.add_array("fuzz.nested", [[1, 2], [3]])
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre("default")
        w.add_token_list(["<s>", "</s>", "a", "b", "ab", "Ġ", "Ġab"])
        w.add_token_types([3, 3, 1, 1, 1, 1, 1])
        w.add_token_scores([0.0] * 7)
        w.add_token_merges(["a b", "Ġ ab"])
        w.add_bos_token_id(0)
        w.add_eos_token_id(1)
        w.add_chat_template("{% for m in messages %}{{ m['content'] }}{% endfor %}")
        w.add_tensor("token_embd.weight", rng.standard_normal((7, 8)).astype(np.float32))
        w.add_tensor("output_norm.weight", np.ones(8, dtype=np.float16))
        w.add_tensor("blk.0.attn_q.weight", gguf.quants.quantize(
            rng.standard_normal((2, 64)).astype(np.float32), Q.Q8_0), raw_dtype=Q.Q8_0)
        w.add_tensor("blk.0.ffn_down.weight", q4_k_blocks(1), raw_dtype=Q.Q4_K)  # byte shape (1, 144)

    def types(w):
        w.add_custom_alignment(64)  # also pads the data to 64
        for qt, shape in ((Q.Q4_0, (1, 32)), (Q.Q4_1, (1, 32)), (Q.Q5_0, (1, 32)), (Q.Q5_1, (1, 32)),
                          (Q.Q8_0, (1, 32)), (Q.BF16, (2, 4))):
            data = rng.standard_normal(shape).astype(np.float32)
            try:
                w.add_tensor("t." + qt.name.lower(), gguf.quants.quantize(data, qt), raw_dtype=qt)
            except Exception:  # older gguf packages lack some quantisers
                pass
        for qt, nbytes in ((Q.Q6_K, 210), (Q.Q5_K, 176), (Q.Q3_K, 110), (Q.Q2_K, 84)):
            raw = rng.integers(0, 256, (1, nbytes), dtype=np.uint8)
            raw[0, -2:] = np.frombuffer(np.array([0.01], dtype=np.float16).tobytes(), dtype=np.uint8)
            w.add_tensor("t." + qt.name.lower(), raw, raw_dtype=qt)  # byte shape: one 256-weight block
        w.add_tensor("t.i32", np.arange(6, dtype=np.int32).reshape(2, 3))

    def minimal(w):
        w.add_string("general.name", "")

    build("rich.gguf", rich)
    build("types.gguf", types)
    build("minimal.gguf", minimal)
    shutil.rmtree(tmp)


# ---------------------------------------------------------------- safetensors
def safetensors_seeds():
    from safetensors.numpy import save

    rng = np.random.default_rng(2)
    write("fuzz_safetensors", "mixed.safetensors", save({
        "model.embed_tokens.weight": rng.standard_normal((4, 3)).astype(np.float32),
        "model.norm.weight": np.ones(3, dtype=np.float16),
        "lm_head.weight": rng.standard_normal((2, 2)).astype(np.float64),
        "ids": np.arange(5, dtype=np.int64),
        "mask": np.array([True, False, True]),
        "bytes": np.arange(4, dtype=np.uint8),
        "small": np.array([-3, 4], dtype=np.int8),
        "scalar": np.array(1.5, dtype=np.float32),
        "empty": np.zeros((0, 4), dtype=np.float32),
    }, metadata={"format": "pt", "note": "fuzz seed ✓"}))
    write("fuzz_safetensors", "single.safetensors", save({"w": np.array([[1, 2], [3, 4]], dtype=np.int32)}))
    # bf16 is not a numpy dtype: build that file by hand (8-byte LE header size,
    # JSON header, raw data).
    header = json.dumps({"x": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}).encode()
    header += b" " * (-len(header) % 8)
    write("fuzz_safetensors", "bf16.safetensors",
          len(header).to_bytes(8, "little") + header + bytes([0x80, 0x3f, 0x00, 0xc0]))
    write("fuzz_safetensors", "config-llama.json", json.dumps({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
        "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "max_position_embeddings": 256, "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0, "vocab_size": 300, "tie_word_embeddings": True,
        "bos_token_id": 1, "eos_token_id": [2, 3], "torch_dtype": "bfloat16",
        "rope_scaling": {"rope_type": "llama3", "factor": 8.0}}, indent=1))
    write("fuzz_safetensors", "config-gemma.json", json.dumps({
        "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text", "hidden_size": 32,
        "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
        "num_key_value_heads": 1, "head_dim": 16, "sliding_window": 64, "vocab_size": 260,
        "query_pre_attn_scalar": 16, "rope_local_base_freq": 10000.0, "rope_theta": 1000000.0,
        "text_config": {"hidden_size": 32}, "eos_token_id": 1, "torch_dtype": "float32"}))


# ------------------------------------------------------------- tokenizer.json
def tokenizer_seeds():
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    # Byte-level BPE (GPT-2 style) with a TemplateProcessing BOS.
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=330, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(TRAIN_TEXT, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="<|im_start|> $A", special_tokens=[("<|im_start|>", tok.token_to_id("<|im_start|>"))])
    byte_level = json.loads(tok.to_str())
    write("fuzz_tokenizer_json", "byte-level.json", json.dumps(byte_level, ensure_ascii=False))

    # Same vocabulary behind a Split (Llama 3 regex) + Digits + ByteLevel(use_regex=false)
    # sequence, merges as [a, b] pairs, and an lstrip/rstrip added token.
    variant = json.loads(json.dumps(byte_level))
    variant["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex":
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
         "behavior": "Isolated", "invert": False},
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}
    variant["model"]["merges"] = [m.split(" ", 1) if isinstance(m, str) else m for m in variant["model"]["merges"]]
    variant["added_tokens"].append({"id": len(variant["model"]["vocab"]), "content": "[MASK]", "single_word": False,
                                    "lstrip": True, "rstrip": True, "normalized": False, "special": True})
    variant["post_processor"] = None
    write("fuzz_tokenizer_json", "split-digits.json", json.dumps(variant, ensure_ascii=False))

    # SentencePiece-like BPE with byte fallback: "▁" normalizer, <0xXX> byte tokens, <unk>.
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    trainer = trainers.BpeTrainer(vocab_size=200, special_tokens=["<unk>", "<s>", "</s>"], show_progress=False,
                                  limit_alphabet=120)
    tok.train_from_iterator(TRAIN_TEXT, trainer)
    spm = json.loads(tok.to_str())
    specials = ["<unk>", "<s>", "</s>"]
    trained = [t for t, _ in sorted(spm["model"]["vocab"].items(), key=lambda kv: kv[1]) if t not in specials]
    vocab = specials + ["<0x%02X>" % b for b in range(256)] + trained
    spm["model"]["vocab"] = {t: i for i, t in enumerate(vocab)}
    spm["added_tokens"] = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                            "normalized": False, "special": True} for i, t in enumerate(specials)]
    spm["post_processor"] = {"type": "TemplateProcessing",
                             "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                        {"Sequence": {"id": "A", "type_id": 0}},
                                        {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                             "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]},
                                                            "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}}
    spm["model"]["fuse_unk"] = True
    text = json.dumps(spm, ensure_ascii=False)
    Tokenizer.from_str(text)  # the reference library must accept every seed
    write("fuzz_tokenizer_json", "byte-fallback.json", text)

    # A hand-written minimal file: tiny vocab, string merges, no pre-tokenizer.
    write("fuzz_tokenizer_json", "tiny.json", json.dumps({
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 0, "content": "<s>", "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True}],
        "normalizer": None, "pre_tokenizer": None, "post_processor": None, "decoder": None,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "byte_fallback": False,
                  "ignore_merges": True, "vocab": {"<s>": 0, "a": 1, "b": 2, "ab": 3, "c": 4, "abc": 5},
                  "merges": ["a b", "ab c"]}}))


# ------------------------------------------------------------------- Jinja
def jinja_seeds():
    src = os.path.join(ROOT, "tests", "fixtures", "chat_templates")
    if os.path.isdir(src):
        for name in sorted(os.listdir(src)):
            if name.endswith(".jinja"):
                shutil.copyfile(os.path.join(src, name), os.path.join(out_dir("fuzz_jinja"), "seed-" + name))
    write("fuzz_jinja", "chatml-own.jinja",
          "{%- for message in messages -%}\n"
          "{{- '<|im_start|>' + message.role + '\\n' + message.content | trim + '<|im_end|>\\n' -}}\n"
          "{%- endfor -%}\n"
          "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif -%}\n")
    write("fuzz_jinja", "llama3-own.jinja",
          "{{- bos_token }}{% set ns = namespace(sys='') %}"
          "{% if messages[0]['role'] == 'system' %}{% set ns.sys = messages[0]['content'] %}"
          "{% set loop_messages = messages[1:] %}{% else %}{% set loop_messages = messages %}{% endif %}"
          "{% for m in loop_messages %}{% if loop.first and ns.sys %}"
          "{{ '<|start_header_id|>system<|end_header_id|>\\n\\n' ~ ns.sys ~ '<|eot_id|>' }}{% endif %}"
          "{{ '<|start_header_id|>' ~ m.role ~ '<|end_header_id|>\\n\\n' ~ m.content | trim ~ '<|eot_id|>' }}"
          "{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}")
    write("fuzz_jinja", "exprs-own.jinja",
          "{% macro f(x, y=2) %}{{ x * y }}|{{ caller() if caller is defined }}{% endmacro %}"
          "{{ f(3) }}{{ nums | sort | join(',') }}{{ custom | tojson }}{{ custom.a | length }}"
          "{% for k, v in custom | dictsort %}{{ k }}={{ v }}{% else %}none{% endfor %}"
          "{{ 'abc'[::-1] ~ 'X'.lower() ~ ('%d' % 5 if false else 'y') }}{{ range(3) | list }}"
          "{{ -7 // 2 }}{{ 2 ** 10 }}{{ 'a' in 'cat' }}{{ none is none }}{{ [1,2,3][1:] }}"
          "{% raw %}{{ not parsed }}{% endraw %}{#- comment -#}")


def main():
    wanted = sys.argv[1:] or ["gguf", "safetensors", "tokenizer", "jinja"]
    for w in wanted:
        globals()[w + "_seeds"]()


if __name__ == "__main__":
    main()
