// One decoder block per architecture family (llama.cpp's per-architecture graph
// builders, transformers' <Arch>DecoderLayer). Each family's wiring of norms,
// attention and feed-forward lives in its own arch_<family>.cpp; this header
// dispatches on ModelConfig::arch. Internal to engine/.
#pragma once

#include <ATen/ATen.h>

#include "engine/model_config.h"
#include "engine/step_context.h"
#include "engine/weights.h"

namespace polysafe::engine {

// x: the residual stream [B, S, hidden] (f32); returns the block's output.
// When ffn_input is non-null it receives the normed tensor that enters the
// block's feed-forward sublayer (the kNN-LM / Goodtriever hidden state).
at::Tensor llama_block(const ModelConfig& c, const LayerWeights& w, int64_t layer, const at::Tensor& x,
                       StepContext& ctx, at::Tensor* ffn_input);   // llama, qwen2
at::Tensor gemma3_block(const ModelConfig& c, const LayerWeights& w, int64_t layer, const at::Tensor& x,
                        StepContext& ctx, at::Tensor* ffn_input);
at::Tensor cohere_block(const ModelConfig& c, const LayerWeights& w, int64_t layer, const at::Tensor& x,
                        StepContext& ctx, at::Tensor* ffn_input);

inline at::Tensor decoder_block(const ModelConfig& c, const LayerWeights& w, int64_t layer, const at::Tensor& x,
                                StepContext& ctx, at::Tensor* ffn_input) {
  switch (c.arch) {
    case Arch::Gemma3: return gemma3_block(c, w, layer, x, ctx, ffn_input);
    case Arch::Cohere: return cohere_block(c, w, layer, x, ctx, ffn_input);
    case Arch::Llama:
    case Arch::Qwen2: break;
  }
  return llama_block(c, w, layer, x, ctx, ffn_input);
}

}  // namespace polysafe::engine
