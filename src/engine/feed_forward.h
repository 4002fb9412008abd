// Gated feed-forward sublayer (Shazeer 2020, "GLU Variants Improve Transformer"):
// down(act(gate(x)) * up(x)), with act = SiLU (SwiGLU: llama, qwen2, cohere) or
// tanh-approximated GELU (GeGLU: gemma3). Gate and up are one fused product.
// Internal to engine/.
#pragma once

#include <ATen/ATen.h>

#include "engine/model_config.h"
#include "engine/step_context.h"
#include "engine/weights.h"

namespace polysafe::engine {

// x: the normed input [B, S, hidden] (f32) -> [B, S, hidden] (f32).
at::Tensor feed_forward(const ModelConfig& c, const LayerWeights& w, const at::Tensor& x, const StepContext& ctx);

}  // namespace polysafe::engine
