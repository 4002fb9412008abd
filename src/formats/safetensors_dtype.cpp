#include "formats/safetensors_dtype.h"

#include <array>

namespace polysafe::formats {

namespace {
struct DtypeRow {
  SafetensorsDtype type;
  const char* name;
  size_t size;
};
constexpr std::array<DtypeRow, 15> kDtypes{{
    {SafetensorsDtype::BOOL, "BOOL", 1},   {SafetensorsDtype::U8, "U8", 1},
    {SafetensorsDtype::I8, "I8", 1},       {SafetensorsDtype::F8_E5M2, "F8_E5M2", 1},
    {SafetensorsDtype::F8_E4M3, "F8_E4M3", 1}, {SafetensorsDtype::I16, "I16", 2},
    {SafetensorsDtype::U16, "U16", 2},     {SafetensorsDtype::F16, "F16", 2},
    {SafetensorsDtype::BF16, "BF16", 2},   {SafetensorsDtype::I32, "I32", 4},
    {SafetensorsDtype::U32, "U32", 4},     {SafetensorsDtype::F32, "F32", 4},
    {SafetensorsDtype::F64, "F64", 8},     {SafetensorsDtype::I64, "I64", 8},
    {SafetensorsDtype::U64, "U64", 8},
}};

const DtypeRow& row(SafetensorsDtype t) {
  for (const auto& r : kDtypes)
    if (r.type == t) return r;
  return kDtypes[0];  // unreachable for valid enum values
}

}  // namespace

const char* safetensors_dtype_name(SafetensorsDtype t) { return row(t).name; }
size_t safetensors_dtype_size(SafetensorsDtype t) { return row(t).size; }

std::optional<SafetensorsDtype> parse_safetensors_dtype(std::string_view name) {
  for (const auto& r : kDtypes)
    if (name == r.name) return r.type;
  return std::nullopt;
}

bool safetensors_dtype_is_float(SafetensorsDtype t) {
  return t == SafetensorsDtype::F32 || t == SafetensorsDtype::F16 || t == SafetensorsDtype::BF16;
}

}  // namespace polysafe::formats
