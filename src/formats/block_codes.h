// GGML's block-quantised types read as affine integer codes: every element is
//   x = scale[b] * code + offset[b]      (offset absent for the symmetric types)
// over sub-blocks b of 16 or 32 elements, with codes in int8. This is the one
// place that knows the bit layouts of Q4_0..Q8_0 and the K-quants; the f32
// dequantiser applies the affine map, and the engine multiplies the codes
// directly. Computing scale * code (+ offset) as one f32 product and one f32
// sum reproduces the reference dequantiser bit for bit (see dequantize.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace polysafe::formats {

struct AffineCodesLayout {
  int sub_block = 32;       // elements sharing one scale (and offset)
  bool has_offset = false;  // Q4_1, Q5_1, Q2_K, Q4_K, Q5_K
};

// The layout of type_id's codes, or nothing for types that are not block
// quantised this way (F32, F16, BF16, IQ*, ...).
std::optional<AffineCodesLayout> affine_codes_layout(uint32_t type_id);

// Decodes n_elements values (whole blocks of type_id) from src into codes
// [n_elements], scales and offsets [n_elements / sub_block] (offsets may be null
// when the layout has none). FormatError names tensor_name for an unsupported
// type or a partial block.
void decode_affine_codes(uint32_t type_id, const uint8_t* src, uint64_t n_elements, int8_t* codes, float* scales,
                         float* offsets, const std::string& tensor_name = "");

}  // namespace polysafe::formats
