// Element types of the safetensors format (spec: huggingface/safetensors README,
// "Format" section): header spelling and element size. Shared by
// safetensors_reader and safetensors_writer; it knows nothing about files.
// The enum lists the dtypes in the reference's declaration order, which the
// writer's tensor ordering relies on: do not reorder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace polysafe::formats {

enum class SafetensorsDtype {
  BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64,
};

// The spelling used in the JSON header ("F32", "BF16"...).
const char* safetensors_dtype_name(SafetensorsDtype t);
// nullopt for a spelling this reader does not know.
std::optional<SafetensorsDtype> parse_safetensors_dtype(std::string_view name);
// Bytes per element.
size_t safetensors_dtype_size(SafetensorsDtype t);
// True for the dtypes that convert to f32 losslessly here (F32, F16, BF16).
bool safetensors_dtype_is_float(SafetensorsDtype t);

}  // namespace polysafe::formats

