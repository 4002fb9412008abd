#include "engine/feed_forward.h"

#include "engine/ops.h"

namespace polysafe::engine {

at::Tensor feed_forward(const ModelConfig& c, const LayerWeights& w, const at::Tensor& x, const StepContext& ctx) {
  at::Tensor gu = ops::linear(x, w.w_gate_up);  // [B, S, 2 ffn]: gate rows first
  at::Tensor gate = gu.narrow(-1, 0, c.ffn);
  at::Tensor act = ctx.ggml_gelu_table && c.act == Activation::GeluTanh ? ops::gelu_ggml_f16(gate)
                                                                             : ops::activation(c.act, gate);
  at::Tensor h = act * gu.narrow(-1, c.ffn, c.ffn);
  return ops::linear(h, w.w_down);
}

}  // namespace polysafe::engine
