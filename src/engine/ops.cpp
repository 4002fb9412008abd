#include "engine/ops.h"

#include <cmath>
#include <vector>

namespace polysafe::engine::ops {

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& w, double eps) {
  at::Tensor ms = x.pow(2).mean(-1, /*keepdim=*/true);
  return x * at::rsqrt(ms + eps) * w;
}

at::Tensor layer_norm(const at::Tensor& x, const at::Tensor& w, double eps) {
  return at::layer_norm(x, {x.size(-1)}, w, {}, eps);
}

at::Tensor norm(NormKind kind, const at::Tensor& x, const at::Tensor& w, double eps) {
  return kind == NormKind::Rms ? rms_norm(x, w, eps) : layer_norm(x, w, eps);
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  at::Tensor y;
  if (w.scalar_type() == at::kFloat) {
    y = at::linear(x, w);
  } else {
    y = at::linear(x.to(w.scalar_type()), w).to(at::kFloat);
  }
  if (b.defined()) y.add_(b);
  return y;
}

at::Tensor linear(const at::Tensor& x, const LinearWeight& w, const at::Tensor& b, at::Tensor* reuse) {
  if (!w.codes) return linear(x, w.dense, b);
  at::Tensor y = w.codes->matmul(x, reuse);
  if (b.defined()) y.add_(b);
  return y;
}

RopeTable rope_table(const at::Tensor& positions, int64_t rope_dim, double base, double freq_scale) {
  const int64_t half = rope_dim / 2;
  std::vector<double> inv(half);
  for (int64_t i = 0; i < half; ++i) inv[i] = std::pow(base, -2.0 * double(i) / double(rope_dim)) * freq_scale;
  at::Tensor inv_t = at::from_blob(inv.data(), {half}, at::kDouble).clone();
  at::Tensor ang = positions.to(at::kDouble).unsqueeze(-1) * inv_t;  // [B, S, half]
  ang = ang.unsqueeze(2);                                              // [B, S, 1, half]
  return {at::cos(ang).to(at::kFloat), at::sin(ang).to(at::kFloat)};
}

at::Tensor apply_rope(const at::Tensor& x, const RopeTable& t, RopeStyle style) {
  const int64_t D = x.size(-1), R = t.cos.size(-1) * 2;
  at::Tensor rot = R == D ? x : x.narrow(-1, 0, R);
  at::Tensor out;
  if (style == RopeStyle::Interleaved) {
    // pairs (2i, 2i+1): llama.cpp rope type "normal"
    auto sizes = rot.sizes().vec();
    sizes.back() = R / 2;
    sizes.push_back(2);
    at::Tensor p = rot.reshape(sizes);
    at::Tensor a = p.select(-1, 0), b = p.select(-1, 1);
    out = at::stack({a * t.cos - b * t.sin, a * t.sin + b * t.cos}, -1).flatten(-2);
  } else {
    // pairs (i, i + R/2): GPT-NeoX / HF rotate_half
    at::Tensor a = rot.narrow(-1, 0, R / 2), b = rot.narrow(-1, R / 2, R / 2);
    out = at::cat({a * t.cos - b * t.sin, a * t.sin + b * t.cos}, -1);
  }
  if (R == D) return out;
  return at::cat({out, x.narrow(-1, R, D - R)}, -1);
}

at::Tensor activation(Activation a, const at::Tensor& x) {
  // GeGLU uses the tanh approximation of GELU (gemma's hidden_activation
  // "gelu_pytorch_tanh"; ggml_gelu).
  return a == Activation::Silu ? at::silu(x) : at::gelu(x, "tanh");
}

at::Tensor gelu_ggml_f16(const at::Tensor& x) {
  at::Tensor y = at::gelu(x.to(at::kHalf).to(at::kFloat), "tanh").to(at::kHalf).to(at::kFloat);
  y = at::where(x <= -10.0f, at::zeros({}, x.options()), y);
  return at::where(x >= 10.0f, x, y);
}

}  // namespace polysafe::engine::ops
