// Writer for GGUF files (version 3 by default, 2 on request; spec: ggml/docs/gguf.md):
// every metadata value type including nested and string arrays, general.alignment,
// and tensors stored as F32, F16, BF16 or Q8_0 (quantised from float32 exactly as
// ggml's quantize_row_q8_0_ref), or copied/converted from another GGUF file.
// A file is written to a temporary name and renamed into place, so a crash or an
// error never leaves a half-written file at the target path; errors name the path.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "formats/ggml_type.h"
#include "formats/gguf_reader.h"

namespace polysafe::formats {

// An owned metadata value (GgufValue from the reader holds views into its file).
struct GgufMetaValue {
  GgufValueType type = GgufValueType::UINT8;
  GgufValueType elem_type = GgufValueType::UINT8;  // arrays only
  std::variant<uint64_t, int64_t, double, bool, std::string, std::vector<GgufMetaValue>> v;

  static GgufMetaValue u8(uint8_t x);
  static GgufMetaValue i8(int8_t x);
  static GgufMetaValue u16(uint16_t x);
  static GgufMetaValue i16(int16_t x);
  static GgufMetaValue u32(uint32_t x);
  static GgufMetaValue i32(int32_t x);
  static GgufMetaValue u64(uint64_t x);
  static GgufMetaValue i64(int64_t x);
  static GgufMetaValue f32(float x);
  static GgufMetaValue f64(double x);
  static GgufMetaValue boolean(bool x);
  static GgufMetaValue str(std::string s);
  // Every item must have type elem_type (checked when written).
  static GgufMetaValue array(GgufValueType elem_type, std::vector<GgufMetaValue> items);
  static GgufMetaValue string_array(const std::vector<std::string>& items);
  // Deep copy of a value read from a file.
  static GgufMetaValue from(const GgufValue& value);
};

class GgufWriter {
 public:
  // Metadata, kept in insertion order; setting an existing key replaces its value
  // in place. Keys must be non-empty.
  void set(const std::string& key, GgufMetaValue value);
  void set_u8(const std::string& key, uint8_t x) { set(key, GgufMetaValue::u8(x)); }
  void set_i8(const std::string& key, int8_t x) { set(key, GgufMetaValue::i8(x)); }
  void set_u16(const std::string& key, uint16_t x) { set(key, GgufMetaValue::u16(x)); }
  void set_i16(const std::string& key, int16_t x) { set(key, GgufMetaValue::i16(x)); }
  void set_u32(const std::string& key, uint32_t x) { set(key, GgufMetaValue::u32(x)); }
  void set_i32(const std::string& key, int32_t x) { set(key, GgufMetaValue::i32(x)); }
  void set_u64(const std::string& key, uint64_t x) { set(key, GgufMetaValue::u64(x)); }
  void set_i64(const std::string& key, int64_t x) { set(key, GgufMetaValue::i64(x)); }
  void set_f32(const std::string& key, float x) { set(key, GgufMetaValue::f32(x)); }
  void set_f64(const std::string& key, double x) { set(key, GgufMetaValue::f64(x)); }
  void set_bool(const std::string& key, bool x) { set(key, GgufMetaValue::boolean(x)); }
  void set_string(const std::string& key, std::string s) { set(key, GgufMetaValue::str(std::move(s))); }
  void set_string_array(const std::string& key, const std::vector<std::string>& items) {
    set(key, GgufMetaValue::string_array(items));
  }
  void set_array(const std::string& key, GgufValueType elem_type, std::vector<GgufMetaValue> items) {
    set(key, GgufMetaValue::array(elem_type, std::move(items)));
  }
  // Sets general.alignment (a uint32 power of two) and aligns tensor data to it.
  void set_alignment(uint32_t alignment);
  bool has(const std::string& key) const { return index_.count(key) != 0; }
  void remove(const std::string& key);
  const std::vector<std::pair<std::string, GgufMetaValue>>& metadata() const { return kv_; }

  // Copies every key of src in file order (general.alignment included).
  void copy_metadata_from(const GgufFile& src);

  // Tensors. shape is in ggml order (shape[0] contiguous), 1 to 4 dimensions;
  // shape[0] must be a multiple of the type's block size; names are unique and at
  // most 64 bytes (gguf.md). Errors throw FormatError naming the tensor.
  //
  // From float32, converted now (the writer keeps the converted bytes):
  // type F32, F16, BF16 or Q8_0.
  void add_tensor(const std::string& name, const std::vector<uint64_t>& shape, GgmlType type,
                  const float* data);
  // Raw bytes already in type_id's encoding (copied now).
  void add_tensor_raw(const std::string& name, const std::vector<uint64_t>& shape, uint32_t type_id,
                      const uint8_t* data, uint64_t n_bytes);
  // A tensor of an open GgufFile, written as `type` (its own type: bytes copied;
  // F32/F16/BF16/Q8_0: dequantised and converted). Converted lazily during write(),
  // one tensor at a time, so the source file must stay open until then.
  void add_tensor_from(const GgufTensorInfo& src, GgmlType type);
  void add_tensor_from(const GgufTensorInfo& src) ;  // same type, bytes copied
  size_t tensor_count() const { return tensors_.size(); }

  // Writes path atomically (path.tmp-<pid>-<n>, then rename). version is 2 or 3
  // (identical layout for little-endian files). Throws FormatError naming path.
  void write(const std::string& path, uint32_t version = 3) const;

 private:
  struct Tensor {
    std::string name;
    std::vector<uint64_t> shape;
    uint32_t type_id = 0;
    uint64_t n_bytes = 0;
    std::vector<uint8_t> bytes;              // owned data, or
    const GgufTensorInfo* source = nullptr;  // converted at write time
  };
  Tensor& new_tensor(const std::string& name, const std::vector<uint64_t>& shape, uint32_t type_id);

  std::vector<std::pair<std::string, GgufMetaValue>> kv_;
  std::map<std::string, size_t> index_;
  std::vector<Tensor> tensors_;
  std::map<std::string, size_t> tensor_index_;
  uint64_t alignment_ = 32;
};

// float32 -> Q8_0 blocks (34 bytes per 32 values), bit-identical to ggml's
// quantize_row_q8_0_ref and gguf.quants.quantize(..., Q8_0). n % 32 == 0.
void quantize_row_q8_0(const float* src, uint8_t* dst, uint64_t n);

// float32 -> bytes of type (F32, F16, BF16, Q8_0); throws FormatError otherwise.
std::vector<uint8_t> convert_from_f32(const float* src, uint64_t n, GgmlType type);

}  // namespace polysafe::formats
