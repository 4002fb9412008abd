#include "engine/dtype.h"

#include "util/error.h"

namespace polysafe::engine {

DType parse_dtype(const std::string& s) {
  if (s == "f32" || s == "float32" || s == "fp32") return DType::F32;
  if (s == "bf16" || s == "bfloat16") return DType::BF16;
  throw UsageError("--dtype: expected f32 or bf16, got '" + s + "'");
}

const char* dtype_name(DType d) { return d == DType::F32 ? "f32" : "bf16"; }

size_t dtype_size(DType d) { return d == DType::F32 ? 4 : 2; }

}  // namespace polysafe::engine
