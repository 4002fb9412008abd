// The manifest of a Goodtriever datastore (manifest.json in its directory):
// which model's hidden states it holds (a fingerprint checked at open), the
// layer and dimension of the keys, the faiss index kind and its parameters, the
// windowing, and per-source entry counts. Plain data plus JSON (de)serialisation;
// it never touches the keys, values or index files.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace polysafe::engine { class Model; }

namespace polysafe::detox {

// What identifies the model whose hidden states are the keys.
struct ModelFingerprint {
  std::string file;      // file (or directory) name of the model, without its path
  uint64_t size = 0;     // bytes: the file, or the sum of a directory's files
  std::string arch;      // "llama", "gemma3", ...
  int64_t hidden = 0;
  int64_t vocab = 0;

  static ModelFingerprint of(const engine::Model& model);
  bool operator==(const ModelFingerprint&) const = default;
  std::string describe() const;  // "'x.gguf' (llama, hidden 576, vocab 49152, 12345 bytes)"
};

enum class IndexKind { Flat, IvfPq };
const char* index_kind_name(IndexKind k);  // "flat", "ivfpq"

struct IndexParams {
  IndexKind kind = IndexKind::Flat;
  int64_t nlist = 1024;  // IVF cells
  int64_t m = 64;        // PQ sub-quantizers (code bytes per entry at nbits 8); divides the dimension
  int64_t nbits = 8;     // bits per sub-quantizer code
  int64_t nprobe = 32;   // cells visited per search
};

struct SourceInfo {
  std::string tag;
  int64_t entries = 0;
  int64_t texts = 0;    // texts that yielded entries
  int64_t skipped = 0;  // texts shorter than two tokens
  std::map<std::string, int64_t> langs;  // texts per language tag
};

struct DatastoreManifest {
  static constexpr int kFormatVersion = 1;
  int version = kFormatVersion;
  ModelFingerprint model;
  std::string layer = "ffn_input:last";
  int64_t dim = 0;
  IndexParams index;
  int64_t entries = 0;
  int64_t next_id = 0;  // faiss id the next added entry gets (ids are never reused)
  int64_t block = 1024;
  int64_t stride = 512;
  std::vector<SourceInfo> sources;

  nlohmann::json to_json() const;
  // `where` names the file in errors ("DIR/manifest.json").
  static DatastoreManifest from_json(const nlohmann::json& j, const std::string& where);
  const SourceInfo* find_source(const std::string& tag) const;
};

}  // namespace polysafe::detox
