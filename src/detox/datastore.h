// A Goodtriever / kNN-LM datastore: keys are the local engine's hidden states
// entering the last block's feed-forward sublayer (stored fp16), values the next
// token ids, searched through a faiss index (exact Flat, or trained IVF-PQ)
// whose ids let entries of one source be removed. A store lives in a directory
// that is only ever replaced whole (written to DIR.tmp-*, then renamed), so a
// crashed write never looks valid. It must never be searched with another
// model's hidden states: open() refuses a store whose model fingerprint differs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "detox/datastore_manifest.h"
#include "detox/teacher_forcing.h"

namespace polysafe::engine { class Model; }

namespace polysafe::detox {

struct CorpusText {
  std::string text;
  std::string lang;    // language tag, counted per source in the manifest
  std::string source;  // source tag; entries can later be removed by it
};

struct BuildOptions {
  int64_t block = 1024;
  int64_t stride = 512;
  int batch = 8;  // windows per forward call
  IndexParams index;
};

struct SearchResult {
  int64_t n = 0, k = 0;
  std::vector<float> distances;  // [n, k] squared L2, ascending per row
  std::vector<int32_t> tokens;   // [n, k] next-token values (-1 where IVF found fewer than k)
};

// What an add() did.
struct AddResult {
  int64_t texts = 0;    // texts that yielded entries
  int64_t skipped = 0;  // texts shorter than two tokens
  int64_t entries = 0;
};

class Datastore {
 public:
  // Teacher-forces `texts` and writes a new store to `dir` (which must not exist).
  // Texts shorter than two tokens are skipped and counted per source; an empty
  // corpus, or one where every text is skipped, is a DetoxError. The model must
  // outlive the returned store.
  static Datastore build(const engine::Model& model, const std::vector<CorpusText>& texts,
                         const BuildOptions& options, const std::string& dir);
  // Writes a new store to `dir` (which must not exist) from pairs already in
  // hand (e.g. teacher_force()'s, or synthetic ones for benchmarks), all under
  // the source tag `source`; its text count is the number of distinct
  // pairs.sequence ids. Keys must be the model's ffn_input:last states; a
  // dimension other than the model's, mismatched array sizes, a non-finite key
  // or a value outside the vocabulary is a DetoxError. options.block/stride are
  // recorded for later add() calls.
  static Datastore from_pairs(const engine::Model& model, const TokenPairs& pairs, const std::string& source,
                              const BuildOptions& options, const std::string& dir);
  // Opens `dir`, checking every file against the manifest and the manifest's
  // fingerprint against `model`.
  static Datastore open(const std::string& dir, const engine::Model& model);

  Datastore(Datastore&&) noexcept;
  Datastore& operator=(Datastore&&) noexcept;
  ~Datastore();

  // Appends the texts' entries (each under its own source tag) without rebuilding
  // the index (IVF-PQ: encoded with the trained quantizer). In memory until save().
  AddResult add(const std::vector<CorpusText>& texts);
  // Removes every entry of `tag` (a DetoxError when there is none); returns the
  // number removed. In memory until save().
  int64_t remove_source(const std::string& tag);
  // Replaces the store's directory with the current contents, atomically.
  void save();

  // Nearest neighbours of `n` queries (row-major [n, dim()]). k must be in
  // 1..entries(), else a DetoxError.
  SearchResult search(const float* queries, int64_t n, int64_t k) const;
  // IVF-PQ cells visited per search from now on (not saved; ignored by Flat).
  // nprobe < 1 is a DetoxError.
  void set_nprobe(int64_t nprobe);

  const DatastoreManifest& stats() const;
  int64_t entries() const;
  int64_t dim() const;
  const std::string& dir() const;
  // Stored key of entry `row` (0 <= row < entries(), in store order), decoded from fp16.
  std::vector<float> key(int64_t row) const;
  int32_t value(int64_t row) const;
  const std::string& source_of(int64_t row) const;

  struct Impl;

 private:
  explicit Datastore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace polysafe::detox
