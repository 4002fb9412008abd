// Goodtriever's decoding rule on plain float rows (Pozzobon et al. 2023, "Goodtriever:
// Adaptive Toxicity Mitigation with Retrieval-augmented Models"): each datastore's
// neighbours become a next-token distribution, softmax(-distance / T) summed onto
// their next-token ids, and the model's top-p-filtered log-probabilities are
// pushed away from the toxic store and towards the non-toxic one:
//   log p(y) = log_softmax(lm(y) + lambda * (log p_nontoxic(y) - log p_toxic(y))).
// No model, no index: this file is the arithmetic the tests check by hand.
#pragma once

#include <cstdint>

namespace polysafe::detox {

struct GoodtrieverParams {
  int64_t k = 1024;           // neighbours per store and step
  float lambda = 2.0f;        // strength of the push
  float temperature = 100.0f; // T of softmax(-d / T) over squared L2 distances
  float top_p = 0.9f;         // nucleus filter applied to the model's log-probabilities first

  // UsageError naming the parameter when out of range (k >= 1, lambda >= 0, T > 0, top_p in (0, 1]).
  void validate() const;
};

// log of a floor for tokens no neighbour points to: log 0 is -10000, and then
// every entry <= -50 is raised to the smallest entry above -50, so a token the
// store never saw counts as its least likely neighbour rather than as impossible.
inline constexpr float kLogZero = -10000.0f;
inline constexpr float kLogFloor = -50.0f;

// One query's neighbours -> out[0..vocab): log p_store(y). `tokens` may hold -1
// (IVF found fewer than k); those neighbours are skipped. A token id outside
// [0, vocab) is a DetoxError (a store built for another vocabulary).
void knn_log_probs(const float* distances, const int32_t* tokens, int64_t k, float temperature, int64_t vocab,
                   float* out);

// log_softmax of `logits` with every token outside the top-p nucleus set to
// -inf (the smallest set of most likely tokens whose probability reaches top_p;
// at least one token). out may alias logits.
void top_p_log_softmax(const float* logits, int64_t vocab, float top_p, float* out);
// The masking step alone, on a row that already holds log-probabilities.
void mask_outside_top_p(float* logp, int64_t vocab, float top_p);

// The rule for one row, in place: `logits` (the model's raw logits) become the
// combined log-probabilities. nontoxic_logp == nullptr: the model's own
// (unfiltered) log-probabilities stand in for the non-toxic store.
void goodtriever_combine(float* logits, int64_t vocab, const float* toxic_logp, const float* nontoxic_logp,
                         const GoodtrieverParams& params);

}  // namespace polysafe::detox
