// Compute types of the engine: f32 (the parity path, compared against llama.cpp
// on dequantised weights) and bf16 (the fast path: weights and matrix products
// in bfloat16, norms, softmax and the residual stream kept in f32).
// Torch-free so that the CLI and backends can name a dtype without libtorch.
#pragma once

#include <string>

namespace polysafe::engine {

enum class DType { F32, BF16 };

// "f32" | "bf16" (also "float32", "bfloat16"); anything else is a UsageError.
DType parse_dtype(const std::string& s);
const char* dtype_name(DType d);
size_t dtype_size(DType d);

}  // namespace polysafe::engine
