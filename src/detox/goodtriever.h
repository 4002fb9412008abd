// Goodtriever at decoding time: a logits hook for the engine's generator that,
// at every step, searches the toxic (and optionally the non-toxic) datastore
// with the hidden states entering the last block's feed-forward sublayer and
// replaces the step's logits by the rule of goodtriever_rule.h. Batched: one
// faiss search per store per step for all rows. It only reads the stores; a
// store must have been opened for the same model (Datastore::open checks).
#pragma once

#include <cstdint>
#include <string>

#include "detox/datastore.h"
#include "detox/goodtriever_rule.h"
#include "engine/generator.h"

namespace polysafe::detox {

// Where the time of a Goodtriever run went (for benchmarks and progress lines).
struct GoodtrieverTiming {
  int64_t steps = 0, rows = 0;
  double search_s = 0, combine_s = 0;
  double effective_k_sum = 0;  // sum over rows of the toxic store's effective neighbours
  double mean_effective_k() const { return rows ? effective_k_sum / double(rows) : 0.0; }
};

class Goodtriever {
 public:
  // DetoxError when k exceeds a store's entries or the stores' key dimensions
  // differ; UsageError for parameters out of range. The stores must outlive this.
  Goodtriever(const Datastore& toxic, const Datastore* nontoxic, const GoodtrieverParams& params);

  // Applies the rule to every row of one decoding step. DetoxError when the
  // step carries no FFN-input hidden states or their width is not the stores'.
  void apply(engine::HookStep& step);
  // A hook bound to this object (which must outlive the generation).
  engine::LogitsHook hook();

  // What changes results, for cache keys and run configs: the stores (directory,
  // entries, sources) and the parameters.
  std::string describe() const;
  const GoodtrieverParams& params() const { return params_; }
  const GoodtrieverTiming& timing() const { return timing_; }

 private:
  const Datastore& toxic_;
  const Datastore* nontoxic_;
  GoodtrieverParams params_;
  GoodtrieverTiming timing_;
};

}  // namespace polysafe::detox
