// Writer for safetensors files (spec: huggingface/safetensors README, "Format"),
// single-file or sharded with a `model.safetensors.index.json` weight map.
// Output matches the reference writer's layout: compact JSON header with
// "__metadata__" first, padded with spaces to a multiple of 8 bytes, tensors
// ordered by dtype (widest first) then name, so every tensor is aligned and the
// bytes equal the reference writer's for the same tensors.
// Writes are atomic (temp file + rename): a failed write never leaves a partial
// file under the final name. Errors throw FormatError naming the file/tensor.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "formats/safetensors_dtype.h"

namespace polysafe::formats {

class SafetensorsWriter {
 public:
  // Raw little-endian bytes already in `dtype`; copied. Throws FormatError if
  // the name is empty, "__metadata__", a duplicate, or the byte count does not
  // match shape × dtype size.
  void add_raw(const std::string& name, SafetensorsDtype dtype, std::vector<uint64_t> shape,
               std::span<const uint8_t> bytes);
  // Float data converted to `dtype` (F32, F16 or BF16; round-to-nearest-even).
  void add_f32(const std::string& name, std::vector<uint64_t> shape, std::span<const float> values,
               SafetensorsDtype dtype = SafetensorsDtype::F32);
  void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }

  size_t size() const { return tensors_.size(); }
  uint64_t total_bytes() const;

  // One file holding every tensor.
  void write(const std::string& path) const;

  // Shards named `<stem>-00001-of-0000N.safetensors` in `dir`, each at most
  // `max_shard_bytes` of tensor data (a single larger tensor gets a shard of its
  // own), plus `<stem>.safetensors.index.json`. Tensors are assigned in name
  // order. Returns the shard paths. With one shard the index is still written.
  std::vector<std::string> write_sharded(const std::string& dir, uint64_t max_shard_bytes,
                                         const std::string& stem = "model") const;

 private:
  struct Entry {
    std::string name;
    SafetensorsDtype dtype;
    std::vector<uint64_t> shape;
    std::vector<uint8_t> bytes;
  };
  void write_file(const std::string& path, const std::vector<const Entry*>& entries) const;

  std::vector<Entry> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// Writes `contents` to `path` through a temp file in the same directory and a
// rename, so readers see either the old file or the complete new one.
void write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace polysafe::formats
