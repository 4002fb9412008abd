#include "engine/attention.h"

namespace polysafe::engine {

at::Tensor self_attention(const ModelConfig& c, const LayerWeights& w, int64_t layer, const at::Tensor& x,
                          StepContext& ctx) {
  const int64_t B = x.size(0), S = x.size(1), D = c.head_dim, Hq = c.n_head, Hkv = c.n_kv_head, G = Hq / Hkv;
  at::Tensor qkv = ops::linear(x, w.wqkv, w.bqkv);  // [B, S, (Hq + 2 Hkv) D]
  at::Tensor q = qkv.narrow(-1, 0, Hq * D).view({B, S, Hq, D});
  at::Tensor k = qkv.narrow(-1, Hq * D, Hkv * D).view({B, S, Hkv, D});
  at::Tensor v = qkv.narrow(-1, (Hq + Hkv) * D, Hkv * D).view({B, S, Hkv, D});
  if (c.qk_norm) {
    q = ops::rms_norm(q, w.q_norm, c.norm_eps);
    k = ops::rms_norm(k, w.k_norm, c.norm_eps);
  }
  const bool local = c.layer_is_local[layer];
  const ops::RopeTable& rope = local ? ctx.rope_local : ctx.rope_global;
  q = ops::apply_rope(q, rope, c.rope_style);
  k = ops::apply_rope(k, rope, c.rope_style);

  const auto cdt = ctx.cache->k_dtype();
  // [B, S, H, D] -> [B, H, S, D]; queries grouped by their kv head: [B, Hkv, G*S, D]
  at::Tensor qg = (q * c.attn_scale).permute({0, 2, 1, 3}).reshape({B, Hkv, G * S, D}).to(cdt);
  auto [K, V] = ctx.cache->write(layer, k.permute({0, 2, 1, 3}).to(cdt), v.permute({0, 2, 1, 3}).to(cdt));
  const int64_t T = K.size(2);

  at::Tensor scores = at::matmul(qg, K.transpose(-1, -2)).to(at::kFloat).view({B, Hkv, G, S, T});
  scores = scores + (local ? ctx.mask_local : ctx.mask_global);
  at::Tensor probs = at::softmax(scores, -1).view({B, Hkv, G * S, T}).to(cdt);
  at::Tensor out = at::matmul(probs, V).to(at::kFloat);  // [B, Hkv, G*S, D]
  out = out.view({B, Hq, S, D}).permute({0, 2, 1, 3}).reshape({B, S, Hq * D});
  return ops::linear(out, w.wo);
}

}  // namespace polysafe::engine
