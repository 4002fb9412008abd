#include "detox/goodtriever_rule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "detox/detox_error.h"
#include "util/error.h"

namespace polysafe::detox {

void GoodtrieverParams::validate() const {
  if (k < 1) throw UsageError("goodtriever: k must be >= 1, got " + std::to_string(k));
  if (!(lambda >= 0.0f) || !std::isfinite(lambda))
    throw UsageError("goodtriever: lambda must be a finite number >= 0, got " + std::to_string(lambda));
  if (!(temperature > 0.0f) || !std::isfinite(temperature))
    throw UsageError("goodtriever: temperature must be > 0, got " + std::to_string(temperature));
  if (!(top_p > 0.0f && top_p <= 1.0f))
    throw UsageError("goodtriever: top-p must be in (0, 1], got " + std::to_string(top_p));
}

void knn_log_probs(const float* distances, const int32_t* tokens, int64_t k, float temperature, int64_t vocab,
                   float* out) {
  std::fill(out, out + vocab, 0.0f);
  // softmax(-d / T) over the valid neighbours, in double: squared distances of
  // raw hidden states run into the thousands, so shift by the smallest.
  double best = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < k; ++i)
    if (tokens[i] >= 0) best = std::min(best, double(distances[i]));
  std::vector<std::pair<int32_t, double>> w;
  w.reserve(size_t(k));
  double z = 0;
  for (int64_t i = 0; i < k; ++i) {
    if (tokens[i] < 0) continue;
    if (tokens[i] >= vocab)
      throw DetoxError("goodtriever: neighbour token id " + std::to_string(tokens[i]) + " is outside the model's vocabulary of " +
                       std::to_string(vocab) + " (a datastore built for another tokenizer?)");
    const double e = std::exp(-(double(distances[i]) - best) / double(temperature));
    w.emplace_back(tokens[i], e);
    z += e;
  }
  // Sum probabilities per token in double, then take logs.
  std::vector<std::pair<int32_t, double>> acc;
  if (!w.empty()) {
    std::sort(w.begin(), w.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [tok, e] : w) {
      if (!acc.empty() && acc.back().first == tok)
        acc.back().second += e / z;
      else
        acc.emplace_back(tok, e / z);
    }
  }
  float floor = std::numeric_limits<float>::infinity();
  for (const auto& [tok, p] : acc) {
    const float lp = p > 0 ? float(std::log(p)) : kLogZero;
    if (lp > kLogFloor) floor = std::min(floor, lp);
  }
  if (!std::isfinite(floor)) floor = kLogZero;  // no neighbour at all: every token equally unknown
  std::fill(out, out + vocab, floor);
  for (const auto& [tok, p] : acc) {
    const float lp = p > 0 ? float(std::log(p)) : kLogZero;
    out[tok] = lp > kLogFloor ? lp : floor;
  }
}

void top_p_log_softmax(const float* logits, int64_t vocab, float top_p, float* out) {
  const float mx = *std::max_element(logits, logits + vocab);
  double z = 0;
  for (int64_t i = 0; i < vocab; ++i) z += std::exp(double(logits[i] - mx));
  const float log_z = mx + float(std::log(z));
  for (int64_t i = 0; i < vocab; ++i) out[i] = logits[i] - log_z;
  mask_outside_top_p(out, vocab, top_p);
}

void mask_outside_top_p(float* out, int64_t vocab, float top_p) {
  if (top_p >= 1.0f) return;
  // The nucleus is small next to a 262k vocabulary: partially sort a growing
  // prefix until it holds top_p of the mass, instead of sorting everything.
  std::vector<int32_t> order(static_cast<size_t>(vocab));
  std::iota(order.begin(), order.end(), 0);
  const auto by_prob = [&](int32_t a, int32_t b) { return out[a] > out[b] || (out[a] == out[b] && a < b); };
  int64_t m = std::min<int64_t>(vocab, 64), kept = vocab;
  for (;;) {
    std::partial_sort(order.begin(), order.begin() + m, order.end(), by_prob);
    double cum = 0;
    int64_t i = 0;
    for (; i < m; ++i) {
      cum += std::exp(double(out[order[size_t(i)]]));
      if (cum >= double(top_p)) break;
    }
    if (i < m) {
      kept = i + 1;
      break;
    }
    if (m == vocab) break;  // rounding left the sum just short: keep everything
    m = std::min(vocab, m * 4);
  }
  const float ninf = -std::numeric_limits<float>::infinity();
  for (int64_t i = kept; i < vocab; ++i) out[order[size_t(i)]] = ninf;
}

void goodtriever_combine(float* logits, int64_t vocab, const float* toxic_logp, const float* nontoxic_logp,
                         const GoodtrieverParams& params) {
  std::vector<float> lm(static_cast<size_t>(vocab));
  if (nontoxic_logp == nullptr) {
    // The model's own log-probabilities stand in for the non-toxic side.
    std::vector<float> full(static_cast<size_t>(vocab));
    top_p_log_softmax(logits, vocab, 1.0f, full.data());
    lm = full;
    mask_outside_top_p(lm.data(), vocab, params.top_p);
    for (int64_t i = 0; i < vocab; ++i) logits[i] = lm[i] + params.lambda * (full[i] - toxic_logp[i]);
  } else {
    top_p_log_softmax(logits, vocab, params.top_p, lm.data());
    for (int64_t i = 0; i < vocab; ++i) logits[i] = lm[i] + params.lambda * (nontoxic_logp[i] - toxic_logp[i]);
  }
  top_p_log_softmax(logits, vocab, 1.0f, logits);
}

}  // namespace polysafe::detox
