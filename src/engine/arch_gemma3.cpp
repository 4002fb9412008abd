// Gemma 3 block ("sandwich" norms): h = x + post_attn_norm(attn(attn_norm(x)));
// out = h + post_ffw_norm(ffn(ffn_norm(h))). Every norm is RMSNorm with the
// (1 + w) weights already folded in by the loader (llama.cpp's converter does the
// same); sliding-window layers use their own mask and RoPE base via StepContext.
// Ref: llama.cpp models/gemma3.cpp; transformers Gemma3DecoderLayer.
#include "engine/attention.h"
#include "engine/decoder_block.h"
#include "engine/feed_forward.h"
#include "engine/ops.h"

namespace polysafe::engine {

at::Tensor gemma3_block(const ModelConfig& c, const LayerWeights& w, int64_t layer, const at::Tensor& x,
                        StepContext& ctx, at::Tensor* ffn_input) {
  at::Tensor a = self_attention(c, w, layer, ops::rms_norm(x, w.attn_norm, c.norm_eps), ctx);
  at::Tensor h = x + ops::rms_norm(a, w.post_attn_norm, c.norm_eps);
  at::Tensor f = ops::rms_norm(h, w.ffn_norm, c.norm_eps);
  if (ffn_input) *ffn_input = f;
  return h + ops::rms_norm(feed_forward(c, w, f, ctx), w.post_ffn_norm, c.norm_eps);
}

}  // namespace polysafe::engine
