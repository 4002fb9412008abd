// Reader for safetensors files (spec: huggingface/safetensors README, "Format"):
// 8-byte little-endian header length N, N bytes of JSON header, then the data.
// The file is memory-mapped and tensors are views into the map (no copies); each
// view holds the map alive. Malformed input (lengths beyond the file, bad JSON,
// overlapping or mis-sized offsets, absurd shapes, duplicate names) throws
// FormatError naming the file and the tensor or field; it never crashes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "formats/safetensors_dtype.h"
#include "util/mapped_file.h"

namespace polysafe::formats {

struct SafetensorsTensor {
  std::string name;
  SafetensorsDtype dtype = SafetensorsDtype::F32;
  std::vector<uint64_t> shape;       // row-major (PyTorch/numpy order): shape.back() is contiguous
  uint64_t n_elements = 1;
  uint64_t n_bytes = 0;
  uint64_t offset = 0;               // data_offsets[0], relative to the data section
  const uint8_t* data = nullptr;     // view into the mapped file (not necessarily aligned)
  std::shared_ptr<const MappedFile> file;  // keeps `data` valid

  const std::string& path() const { return file->path(); }
  const char* dtype_name() const { return safetensors_dtype_name(dtype); }
};

// Elements of an F32, F16 or BF16 tensor as f32 (exact conversions). Any other
// dtype throws FormatError naming the file, tensor and dtype; its raw bytes stay
// readable through `data`. `out` must hold n_elements floats.
void tensor_to_f32(const SafetensorsTensor& t, float* out);
std::vector<float> tensor_to_f32(const SafetensorsTensor& t);

class SafetensorsFile {
 public:
  // Header JSON larger than this is rejected before parsing (the reference
  // implementation uses the same 100 MB bound).
  static constexpr uint64_t kMaxHeaderBytes = 100'000'000;

  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return file_->path(); }
  uint64_t file_size() const { return file_->size(); }
  uint64_t header_size() const { return header_size_; }   // N
  uint64_t data_offset() const { return 8 + header_size_; }

  // The optional "__metadata__" string map.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Tensors in data order (ascending data_offsets).
  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(std::string_view name) const;
  const SafetensorsTensor& tensor(std::string_view name) const;  // throws naming it

 private:
  std::shared_ptr<MappedFile> file_;
  uint64_t header_size_ = 0;
  std::map<std::string, std::string> metadata_;
  std::vector<SafetensorsTensor> tensors_;
  std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace polysafe::formats
