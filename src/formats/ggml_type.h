// The tensor element types of the GGML family (GGUF files): ids, names, block
// geometry, and which ones polysafe can dequantise. Ids and sizes follow ggml.h;
// the table must list every id the reference knows so that an unsupported type
// is reported by name rather than as "corrupt file".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace polysafe::formats {

enum class GgmlType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21,
  IQ2_S = 22, IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28,
  IQ1_M = 29, BF16 = 30, TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39, NVFP4 = 40, Q1_0 = 41,
};

struct GgmlTypeInfo {
  GgmlType type;
  const char* name;
  uint32_t block_size;   // elements per block
  uint32_t type_size;    // bytes per block
  bool dequantizable;    // polysafe can convert it to F32
};

// nullopt for an id that no known ggml version defines.
std::optional<GgmlTypeInfo> ggml_type_info(uint32_t id);
const GgmlTypeInfo& ggml_type_info(GgmlType t);
std::string ggml_type_name(uint32_t id);  // "Q4_K", or "unknown(77)"
// Type from its name ("q8_0", "BF16"...), case-insensitive.
std::optional<GgmlType> ggml_type_from_name(const std::string& name);

}  // namespace polysafe::formats
