// The decoder stack as tensors: token embeddings, the blocks, the final norm and
// the LM head, run one step at a time over a batch and a KV cache. It builds the
// per-step masks (causal, padding, sliding window) and RoPE tables once and
// captures hidden states on request in the same pass. Internal to engine/: the
// torch-free API is model.h; this class never tokenizes or samples.
#pragma once

#include <ATen/ATen.h>

#include "engine/kv_cache.h"
#include "engine/model_config.h"
#include "engine/weights.h"

namespace polysafe::engine {

class Transformer {
 public:
  Transformer(ModelConfig c, Weights w) : c_(std::move(c)), w_(std::move(w)) {}

  const ModelConfig& config() const { return c_; }
  const Weights& weights() const { return w_; }
  at::ScalarType compute_type() const { return w_.dtype == DType::BF16 ? at::kBFloat16 : at::kFloat; }

  struct StepOutput {
    at::Tensor final_hidden;  // [B, S, hidden] after the final norm (input of the LM head)
    at::Tensor ffn_input;     // [B, S, hidden] normed input of the last block's FFN (if captured)
  };
  // tokens [B, S] (int64), valid [B, S] (bool; false = padding). Appends S slots to cache.
  StepOutput step(const at::Tensor& tokens, const at::Tensor& valid, KvCache& cache, bool capture_ffn_input) const;
  // LM head (+ softcapping / logit scale): [..., hidden] -> [..., vocab] f32.
  // `reuse`: a buffer from an earlier call the logits may overwrite (decoding).
  at::Tensor logits(const at::Tensor& final_hidden, at::Tensor* reuse = nullptr) const;
  // GELU through ggml's f16 table (see LoadOptions::ggml_gelu_table).
  void set_ggml_gelu_table(bool on) { ggml_gelu_table_ = on; }
  KvCache new_cache(int64_t batch, int64_t capacity) const { return KvCache(c_, batch, capacity, compute_type()); }

 private:
  ModelConfig c_;
  Weights w_;
  bool ggml_gelu_table_ = false;
};

}  // namespace polysafe::engine
