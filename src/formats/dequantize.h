// Conversion of GGML tensor bytes (F32, F16, BF16, Q4_0/Q4_1/Q5_0/Q5_1/Q8_0 and
// the K-quants Q2_K..Q6_K) to float32, reproducing the reference dequantiser
// (gguf-py's gguf.quants, which mirrors ggml-quants.c) bit for bit.
// Any other type throws FormatError naming the type and, when given, the tensor;
// it never reads past n_elements' worth of blocks and never allocates per element.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/ggml_type.h"
#include "formats/gguf_reader.h"

namespace polysafe::formats {

// True for the types dequantize_row accepts.
bool can_dequantize(uint32_t type_id);

// Dequantises n_elements values from src (whole blocks of type_id) into dst.
// Throws FormatError when the type is unsupported or n_elements is not a
// multiple of the type's block size; the message names tensor_name if given.
void dequantize_row(uint32_t type_id, const uint8_t* src, float* dst, uint64_t n_elements,
                    const std::string& tensor_name = "");

// Whole tensor into dst (n_elements floats), split across n_threads threads
// (0 = hardware concurrency) by whole blocks; the result does not depend on
// the thread count. Errors name the file-less tensor name.
void dequantize_tensor_into(const GgufTensorInfo& t, float* dst, unsigned n_threads = 1);
std::vector<float> dequantize_tensor(const GgufTensorInfo& t, unsigned n_threads = 1);

}  // namespace polysafe::formats
