// Reader for GGUF model files (versions 2 and 3; spec: ggml/docs/gguf.md).
// The file is memory-mapped; metadata strings and tensor data are views into the
// map (no copies), so a GgufFile must outlive every view it hands out.
// Malformed input (truncation, bad magic, out-of-range offsets, absurd sizes)
// throws FormatError naming the file and the field; it never crashes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "formats/ggml_type.h"
#include "util/mapped_file.h"

namespace polysafe::formats {

// Value type ids of GGUF metadata (gguf.md "gguf_metadata_value_type").
enum class GgufValueType : uint32_t {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
  BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
const char* gguf_value_type_name(GgufValueType t);

struct GgufValue;
struct GgufArray {
  GgufValueType elem_type = GgufValueType::UINT8;
  std::vector<GgufValue> items;
};

// One metadata value. Integers keep their signedness in the variant; the
// accessors convert with range checks and throw FormatError naming `key`.
struct GgufValue {
  GgufValueType type = GgufValueType::UINT8;
  std::variant<uint64_t, int64_t, double, bool, std::string_view, std::shared_ptr<GgufArray>> v;

  bool is_array() const { return type == GgufValueType::ARRAY; }
  const GgufArray& array() const { return *std::get<std::shared_ptr<GgufArray>>(v); }
  std::string to_display(size_t max_items = 8) const;  // short human rendering
};

struct GgufTensorInfo {
  std::string name;
  uint32_t type_id = 0;              // raw id; ggml_type_info(type_id) may be nullopt
  std::vector<uint64_t> shape;       // ggml order: shape[0] is the contiguous dimension
  uint64_t offset = 0;               // relative to the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr;     // view into the mapped file

  std::string type_name() const { return ggml_type_name(type_id); }
};

class GgufFile {
 public:
  explicit GgufFile(const std::string& path);

  const std::string& path() const { return file_->path(); }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  uint64_t file_size() const { return file_->size(); }

  const std::map<std::string, GgufValue>& metadata() const { return kv_; }
  // Keys in file order (metadata() is sorted).
  const std::vector<std::string>& keys() const { return key_order_; }
  bool has(const std::string& key) const { return kv_.count(key) != 0; }
  const GgufValue* find(const std::string& key) const;

  // Typed accessors. get_* throw FormatError ("file: key 'k': missing" or
  // "...: expected uint32, got string"); opt_* return nullopt when absent.
  std::string get_string(const std::string& key) const;
  std::optional<std::string> opt_string(const std::string& key) const;
  uint64_t get_uint(const std::string& key) const;
  std::optional<uint64_t> opt_uint(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  std::optional<double> opt_float(const std::string& key) const;
  std::optional<bool> opt_bool(const std::string& key) const;
  std::vector<std::string_view> get_string_array(const std::string& key) const;
  std::vector<float> get_float_array(const std::string& key) const;
  std::vector<int64_t> get_int_array(const std::string& key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(const std::string& name) const;
  const GgufTensorInfo& tensor(const std::string& name) const;  // throws naming it

  // "file: key 'k': msg" — for callers that validate values further.
  [[noreturn]] void fail_key(const std::string& key, const std::string& msg) const;

 private:
  std::shared_ptr<MappedFile> file_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::map<std::string, GgufValue> kv_;
  std::vector<std::string> key_order_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

}  // namespace polysafe::formats
