// What every layer of one forward step shares: the KV cache being extended, the
// attention masks (global and sliding-window) and the RoPE tables (one per base).
// Built once per step by the transformer, so no layer recomputes masks or angles.
// Internal to engine/.
#pragma once

#include <ATen/ATen.h>

#include "engine/kv_cache.h"
#include "engine/ops.h"

namespace polysafe::engine {

struct StepContext {
  KvCache* cache = nullptr;
  at::Tensor mask_global;   // [B, 1, 1, S, T] additive (0 or -inf), f32
  at::Tensor mask_local;    // same for sliding-window layers (undefined if none)
  ops::RopeTable rope_global, rope_local;
  bool ggml_gelu_table = false;  // GELU through ggml's f16 table (LoadOptions)
};

}  // namespace polysafe::engine
