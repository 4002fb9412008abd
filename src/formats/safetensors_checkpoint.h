// A safetensors checkpoint presented as one tensor collection, whether it is a
// single file or sharded through `model.safetensors.index.json` (the Hugging
// Face "weight_map" index: {"metadata": {...}, "weight_map": {tensor: shard}}).
// Every shard is memory-mapped; tensors stay views into the maps. A bad index
// (missing shard, tensor absent from its shard, a shard name that escapes the
// checkpoint directory) throws FormatError naming the index and the entry.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/safetensors_reader.h"

namespace polysafe::formats {

class SafetensorsCheckpoint {
 public:
  static constexpr const char* kIndexName = "model.safetensors.index.json";

  // `path` is a .safetensors file, an *.index.json, or a directory holding
  // model.safetensors.index.json, model.safetensors, or exactly one *.safetensors.
  explicit SafetensorsCheckpoint(const std::string& path);

  bool sharded() const { return !index_path_.empty(); }
  const std::string& index_path() const { return index_path_; }  // empty if not sharded
  // Shard files in the order they are first named by the index.
  std::vector<std::string> files() const;
  // The index's "metadata" object (e.g. total_size); null when not sharded.
  const nlohmann::json& index_metadata() const { return index_metadata_; }
  // "__metadata__" of the first shard.
  const std::map<std::string, std::string>& metadata() const;

  // All tensors, sorted by name.
  const std::vector<const SafetensorsTensor*>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(std::string_view name) const;
  const SafetensorsTensor& tensor(std::string_view name) const;  // throws naming it
  uint64_t total_bytes() const;                                  // sum of tensor sizes

 private:
  std::string origin_;  // what the user passed, for messages
  std::string index_path_;
  nlohmann::json index_metadata_;
  std::vector<std::unique_ptr<SafetensorsFile>> shards_;
  std::vector<const SafetensorsTensor*> tensors_;
  std::map<std::string, const SafetensorsTensor*, std::less<>> by_name_;
};

}  // namespace polysafe::formats
