// The tensors of a model as libtorch tensors, loaded from GGUF (any type the
// formats layer dequantises) or from a safetensors checkpoint (HF names mapped to
// llama.cpp's GGUF names, and HF conventions converted to GGUF's: (1 + w) gemma
// norms stored as 1 + w, llama Q/K rows permuted for interleaved RoPE).
// Every tensor is checked against the shape the config implies: a missing or
// mis-shaped tensor is an EngineError naming it. Internal to engine/ (torch types).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "engine/dtype.h"
#include "engine/quantized_matrix.h"
#include "engine/model_config.h"

namespace polysafe::formats {
class GgufFile;
class SafetensorsCheckpoint;
}  // namespace polysafe::formats

namespace polysafe::engine {

// One decoder block. Matrices are [out, in] (torch.nn.Linear layout), dense in
// the compute dtype or, from block-quantised GGUF tensors at f32, kept in their
// integer codes (QuantizedMatrix); norms and biases stay f32. Q, K, V are fused row-wise into wqkv
// (rows: n_head*head_dim, then n_kv_head*head_dim twice) and gate/up into
// w_gate_up (gate rows first), so each sublayer is one matrix product.
struct LayerWeights {
  at::Tensor attn_norm;
  LinearWeight wqkv;
  at::Tensor bqkv;                  // undefined unless config.qkv_bias
  at::Tensor q_norm, k_norm;        // gemma3
  LinearWeight wo;
  at::Tensor post_attn_norm;        // gemma3
  at::Tensor ffn_norm;              // absent for parallel blocks (cohere)
  LinearWeight w_gate_up, w_down;
  at::Tensor post_ffn_norm;         // gemma3
};

struct Weights {
  DType dtype = DType::F32;
  LinearWeight tok_embd;   // [vocab, hidden]: rows are looked up (codes expanded per row)
  LinearWeight output;     // [vocab, hidden]; the same storage as tok_embd when tied
  at::Tensor output_norm;  // [hidden], f32
  std::vector<LayerWeights> layers;
};

// Bytes the loaded weights occupy, plus the largest temporary while loading.
struct MemoryEstimate {
  uint64_t weights = 0;
  uint64_t transient = 0;
  uint64_t total() const { return weights + transient; }
};
MemoryEstimate estimate_weight_memory(const ModelConfig& c, DType dtype);

// MemAvailable from /proc/meminfo in bytes; 0 when unknown (non-Linux).
uint64_t mem_available_bytes();
// Throws EngineError ("<what>: needs X, only Y available") when `bytes` exceed
// what the machine has free; does nothing when the amount is unknown.
void check_memory(uint64_t bytes, const std::string& what);

// keep_codes: at f32, matrices of block-quantised types stay in their codes.
Weights load_gguf_weights(const formats::GgufFile& f, const ModelConfig& c, DType dtype, unsigned threads,
                          bool keep_codes = true);
Weights load_safetensors_weights(const formats::SafetensorsCheckpoint& ck, const ModelConfig& c, DType dtype);

}  // namespace polysafe::engine
