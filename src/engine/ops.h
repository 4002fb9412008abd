// Small tensor operations the layers compose (CTranslate2's "ops"): norms, linear
// products in the compute dtype, rotary embeddings, activations. Each follows one
// cited formula and keeps f32 where precision matters (norm statistics, the
// residual stream). Internal to engine/; never reads model files or config.
#pragma once

#include <ATen/ATen.h>

#include "engine/model_config.h"
#include "engine/quantized_matrix.h"

namespace polysafe::engine::ops {

// RMSNorm (Zhang & Sennrich 2019): x / sqrt(mean(x^2) + eps) * w over the last dim.
// Gemma's (1 + w) is already folded into w by the weight loader.
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& w, double eps);
// LayerNorm without bias (Command-R): (x - mean) / sqrt(var + eps) * w.
at::Tensor layer_norm(const at::Tensor& x, const at::Tensor& w, double eps);
at::Tensor norm(NormKind kind, const at::Tensor& x, const at::Tensor& w, double eps);

// x (f32) times W^T (+ b): the product runs in W's dtype (f32 or bf16), the
// result is f32.
at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b = {});
// The same for a dense or quantized weight (QuantizedMatrix::matmul).
// `reuse`: see QuantizedMatrix::matmul (used for codes only).
at::Tensor linear(const at::Tensor& x, const LinearWeight& w, const at::Tensor& b = {}, at::Tensor* reuse = nullptr);

// Cos/sin of RoPE angles (Su et al. 2021) for integer positions [B, S]:
// angle_i = pos * freq_scale * base^(-2i/rope_dim), i < rope_dim/2; both [B, S, 1, rope_dim/2] f32.
struct RopeTable {
  at::Tensor cos, sin;
};
RopeTable rope_table(const at::Tensor& positions, int64_t rope_dim, double base, double freq_scale);
// Rotates the first rope_dim dims of each head of x [B, S, heads, head_dim] (f32).
at::Tensor apply_rope(const at::Tensor& x, const RopeTable& t, RopeStyle style);

at::Tensor activation(Activation a, const at::Tensor& x);
// ggml's CPU GELU (GGML_GELU_FP16): the input rounded to f16, the tanh GELU of
// that looked up and rounded to f16; 0 below -10 and identity above 10.
at::Tensor gelu_ggml_f16(const at::Tensor& x);

}  // namespace polysafe::engine::ops
