// llama and qwen2 blocks (pre-norm, sequential): h = x + attn(rms(x));
// out = h + ffn(rms(h)). qwen2 differs only by Q/K/V biases and NEOX RoPE, both
// carried by the config and weights. Ref: llama.cpp models/llama.cpp, qwen2.cpp.
#include "engine/attention.h"
#include "engine/decoder_block.h"
#include "engine/feed_forward.h"
#include "engine/ops.h"

namespace polysafe::engine {

at::Tensor llama_block(const ModelConfig& c, const LayerWeights& w, int64_t layer, const at::Tensor& x,
                       StepContext& ctx, at::Tensor* ffn_input) {
  at::Tensor h = x + self_attention(c, w, layer, ops::rms_norm(x, w.attn_norm, c.norm_eps), ctx);
  at::Tensor f = ops::rms_norm(h, w.ffn_norm, c.norm_eps);
  if (ffn_input) *ffn_input = f;
  return h + feed_forward(c, w, f, ctx);
}

}  // namespace polysafe::engine
