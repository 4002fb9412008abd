// Command-R / Aya block (parallel): n = layernorm(x); out = x + attn(n) + ffn(n).
// The LayerNorm has a weight and no bias. The FFN's input is the same n, which is
// therefore the "ffn input" hidden state. Ref: llama.cpp models/command-r.cpp;
// transformers CohereDecoderLayer.
#include "engine/attention.h"
#include "engine/decoder_block.h"
#include "engine/feed_forward.h"
#include "engine/ops.h"

namespace polysafe::engine {

at::Tensor cohere_block(const ModelConfig& c, const LayerWeights& w, int64_t layer, const at::Tensor& x,
                        StepContext& ctx, at::Tensor* ffn_input) {
  at::Tensor n = ops::layer_norm(x, w.attn_norm, c.norm_eps);
  if (ffn_input) *ffn_input = n;
  return x + self_attention(c, w, layer, n, ctx) + feed_forward(c, w, n, ctx);
}

}  // namespace polysafe::engine
