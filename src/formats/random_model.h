// Small random-weight GGUF models (F32) of the architectures that have no real
// small checkpoint here (qwen2, command-r) plus llama, with a real tokenizer
// copied from another GGUF's tokenizer.* keys, so that llama.cpp loads them and
// the engine can be checked against it on every architecture it supports.
// Deterministic for a seed on every platform; it must never be used as a model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace polysafe::formats {

class GgufFile;

struct RandomModelSpec {
  std::string arch = "qwen2";  // "llama" | "qwen2" | "command-r" (GGUF general.architecture)
  uint64_t seed = 0;
  uint32_t n_layer = 2;
  uint32_t n_embd = 64;
  uint32_t n_head = 4;
  uint32_t n_head_kv = 2;
  uint32_t n_ff = 128;
  uint32_t n_ctx = 2048;          // <arch>.context_length
  float rope_freq_base = 10000.0f;
  float norm_eps = 1e-5f;          // RMSNorm (llama, qwen2) or LayerNorm (command-r) epsilon
  float logit_scale = 0.5f;        // command-r only (Command R itself uses 0.0625)

  // Throws UsageError naming the field (unknown arch, zero sizes, heads that do
  // not divide n_embd or n_head, n_embd not a multiple of 32...).
  void validate() const;
};

const std::vector<std::string>& random_model_architectures();  // {"llama", "qwen2", "command-r"}

// Writes spec as an F32 GGUF at out_path, with every tokenizer.* key of
// tokenizer_source (its vocabulary size becomes the model's).
//
// Tensors (llama.cpp names and ggml shapes [in, out]): token_embd, output_norm,
// per block attn_norm, attn_q/k/v (+ .bias for qwen2), attn_output, ffn_norm
// (not command-r: parallel attention and MLP share attn_norm), ffn_gate/up/down;
// output.weight only for llama (qwen2 and command-r tie it to token_embd).
// Values: matrices uniform with standard deviation 1/sqrt(fan_in) (so every
// activation stays of order 1), norm weights 1 + U(-0.2, 0.2), biases U(-0.1, 0.1);
// drawn from std::mt19937_64(seed) as exact double arithmetic on its integer
// output, so the bytes are identical everywhere.
void write_random_model(const RandomModelSpec& spec, const GgufFile& tokenizer_source, const std::string& out_path);

}  // namespace polysafe::formats
