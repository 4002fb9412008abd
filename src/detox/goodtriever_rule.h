// Goodtriever's decoding rule on plain float rows (Pozzobon et al. 2023, "Goodtriever:
// Adaptive Toxicity Mitigation with Retrieval-augmented Models"): each datastore's
// neighbours become a next-token distribution, softmax(-distance / T) summed onto
// their next-token ids, and the model's top-p-filtered log-probabilities are
// pushed away from the toxic store and towards the non-toxic one:
//   log p(y) = log_softmax(lm(y) + lambda * (log p_nontoxic(y) - log p_toxic(y))).
// No model, no index: this file is the arithmetic the tests check by hand.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

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

// One store's next-token distribution at one step, kept sparse: the tokens its
// neighbours point to, and one floor value for every other token.
struct KnnDistribution {
  std::vector<std::pair<int32_t, float>> logp;  // (token, log p), sorted by token
  float floor = kLogZero;
  double effective_k = 0;  // exp(entropy of the neighbour weights): ~1 = one neighbour decides, ~k = all alike

  float log_prob(int32_t token) const;
};

// One query's neighbours -> its distribution. `tokens` may hold -1 (IVF found
// fewer than k); those neighbours are skipped. A token id outside [0, vocab)
// is a DetoxError (a store built for another vocabulary).
KnnDistribution knn_distribution(const float* distances, const int32_t* tokens, int64_t k, float temperature,
                                 int64_t vocab);

// log_softmax of `logits` with every token outside the top-p nucleus set to
// -inf (the smallest set of most likely tokens whose probability reaches top_p;
// at least one token). out may alias logits. Returns the nucleus's tokens.
std::vector<int32_t> top_p_log_softmax(const float* logits, int64_t vocab, float top_p, float* out);

// The rule for one row, in place: `logits` (the model's raw logits) become the
// combined log-probabilities. nontoxic == nullptr: the model's own (unfiltered)
// log-probabilities stand in for the non-toxic store. Tokens outside the
// nucleus end at -inf, so only the nucleus is combined.
void goodtriever_combine(float* logits, int64_t vocab, const KnnDistribution& toxic, const KnnDistribution* nontoxic,
                         const GoodtrieverParams& params);

}  // namespace polysafe::detox
