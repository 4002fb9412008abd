// Re-encodes a GGUF model with another tensor type (F32, F16, BF16, Q8_0):
// every metadata key copied, every tensor kept with its name and shape, one
// tensor converted at a time. What `polysafe convert` runs; F32 copies of the
// default models are the exact reference for engine parity with llama.cpp.
// It must never change a tensor's name, shape or order, or drop a key.
#pragma once

#include <cstdint>
#include <string>

#include "formats/ggml_type.h"

namespace polysafe::formats {

// llama.cpp's llama_ftype for general.file_type (include/llama.h): the type
// most tensors have. Throws FormatError for a type convert cannot write.
uint32_t llama_file_type(GgmlType type);

struct ConvertSummary {
  size_t tensors = 0;
  size_t converted = 0;      // re-encoded (dequantised, then written as their output type)
  size_t copied = 0;         // already in their output type: bytes copied unchanged
  // converted + copied == tensors. Of them:
  size_t kept_f32 = 0;       // 1-D tensors (norms, biases), output type F32
  size_t fallback_f16 = 0;   // Q8_0 requested but the row length is not a multiple of 32: F16
  uint64_t bytes_in = 0;     // tensor data of the source
  uint64_t bytes_out = 0;    // tensor data written
};

// Writes src as dst with most tensors of type `type`. Rules (as llama.cpp's
// convert/quantize tools do): 1-D tensors (norm weights, biases) stay or become
// F32, since ggml's element-wise ops want F32 there; with Q8_0, a tensor whose
// rows are not a multiple of 32 becomes F16; a tensor already of the type it is
// to be written as is copied byte for byte. general.file_type is set to match.
// dst is written atomically (GgufWriter). Throws FormatError naming the file
// and tensor; UsageError if dst is src or type is not F32/F16/BF16/Q8_0.
ConvertSummary convert_gguf(const std::string& src, const std::string& dst, GgmlType type);

}  // namespace polysafe::formats
