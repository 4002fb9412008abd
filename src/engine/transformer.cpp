#include "engine/transformer.h"

#include <cmath>
#include <limits>

#include "engine/decoder_block.h"
#include "engine/engine_error.h"
#include "engine/ops.h"
#include "engine/step_context.h"

namespace polysafe::engine {

namespace {

// Additive mask [B, 1, 1, S, T]: query s (slot length+s, position pos_q) may read
// slot t when t is a real token, t <= length+s, and, for sliding-window layers,
// pos_q - pos_t < window (llama.cpp is_masked_swa: masked when p1 - p0 >= n_swa).
// A query always reads its own slot, so padding rows stay finite.
at::Tensor build_mask(const KvCache& cache, const at::Tensor& q_pos, int64_t window) {
  const int64_t L = cache.length(), S = cache.pending(), T = L + S;
  at::Tensor slot_valid = cache.slot_valid().narrow(1, 0, T);            // [B, T]
  at::Tensor slot_pos = cache.slot_positions().narrow(1, 0, T);          // [B, T]
  at::Tensor t_idx = at::arange(T, at::kLong).view({1, 1, T});
  at::Tensor q_slot = (at::arange(S, at::kLong) + L).view({1, S, 1});
  at::Tensor allowed = slot_valid.unsqueeze(1) & (t_idx <= q_slot);      // [B, S, T]
  if (window > 0) allowed = allowed & ((q_pos.unsqueeze(2) - slot_pos.unsqueeze(1)) < window);
  allowed = allowed | (t_idx == q_slot);
  at::Tensor zero = at::zeros({}, at::kFloat);
  at::Tensor ninf = at::full({}, -std::numeric_limits<float>::infinity(), at::kFloat);
  return at::where(allowed, zero, ninf).view({allowed.size(0), 1, 1, S, T});
}

}  // namespace

Transformer::StepOutput Transformer::step(const at::Tensor& tokens, const at::Tensor& valid, KvCache& cache,
                                          bool capture_ffn_input) const {
  if (tokens.sizes() != valid.sizes() || tokens.dim() != 2)
    throw EngineError("transformer step: tokens and validity must both be [batch, steps]");
  StepContext ctx;
  ctx.cache = &cache;
  ctx.ggml_gelu_table = ggml_gelu_table_;
  at::Tensor pos = cache.begin_step(valid);
  ctx.rope_global = ops::rope_table(pos, c_.rope_dim, c_.rope_base, c_.rope_freq_scale);
  ctx.mask_global = build_mask(cache, pos, 0);
  if (c_.sliding_window > 0) {
    ctx.rope_local = ops::rope_table(pos, c_.rope_dim, c_.rope_base_local, c_.rope_freq_scale);
    ctx.mask_local = build_mask(cache, pos, c_.sliding_window);
  }

  at::Tensor x = w_.tok_embd.codes ? w_.tok_embd.codes->gather_rows(tokens)
                                   : at::embedding(w_.tok_embd.dense, tokens).to(at::kFloat);
  if (c_.embed_scale != 1.0) x = x * float(c_.embed_scale);  // ggml_scale(sqrtf(n_embd)) for gemma

  StepOutput out;
  for (int64_t l = 0; l < c_.n_layer; ++l) {
    bool last = l == c_.n_layer - 1;
    x = decoder_block(c_, w_.layers[l], l, x, ctx, last && capture_ffn_input ? &out.ffn_input : nullptr);
  }
  cache.end_step();
  out.final_hidden = ops::norm(c_.norm, x, w_.output_norm, c_.norm_eps);
  return out;
}

at::Tensor Transformer::logits(const at::Tensor& h, at::Tensor* reuse) const {
  at::Tensor y = ops::linear(h, w_.output, {}, reuse);
  if (c_.final_softcap > 0) y.div_(c_.final_softcap).tanh_().mul_(c_.final_softcap);
  if (c_.logit_scale != 1.0) y.mul_(c_.logit_scale);
  return y;
}

}  // namespace polysafe::engine
