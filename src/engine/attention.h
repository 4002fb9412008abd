// Causal self-attention with grouped-query heads (Ainslie et al. 2023, GQA) over
// the KV cache: fused QKV projection (+ bias for qwen2), optional per-head
// QK RMSNorm (gemma3), RoPE, masked softmax in f32, output projection.
// Query head h reads key/value head h / (n_head / n_kv_head), as llama.cpp and
// transformers do. Internal to engine/; it never allocates cache slots itself.
#pragma once

#include <ATen/ATen.h>

#include "engine/model_config.h"
#include "engine/step_context.h"
#include "engine/weights.h"

namespace polysafe::engine {

// x: the normed input [B, S, hidden] (f32); returns [B, S, hidden] (f32).
at::Tensor self_attention(const ModelConfig& c, const LayerWeights& w, int64_t layer, const at::Tensor& x,
                          StepContext& ctx);

}  // namespace polysafe::engine
