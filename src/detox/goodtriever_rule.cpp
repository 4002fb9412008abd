#include "detox/goodtriever_rule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

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

float KnnDistribution::log_prob(int32_t token) const {
  const auto it = std::lower_bound(logp.begin(), logp.end(), token,
                                   [](const std::pair<int32_t, float>& e, int32_t t) { return e.first < t; });
  return it != logp.end() && it->first == token ? it->second : floor;
}

KnnDistribution knn_distribution(const float* distances, const int32_t* tokens, int64_t k, float temperature,
                                 int64_t vocab) {
  // softmax(-d / T) over the valid neighbours, in double, shifted by the
  // smallest distance so large squared distances do not underflow.
  double best = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < k; ++i)
    if (tokens[i] >= 0) best = std::min(best, double(distances[i]));
  std::vector<std::pair<int32_t, double>> w;
  w.reserve(size_t(k));
  double z = 0;
  for (int64_t i = 0; i < k; ++i) {
    if (tokens[i] < 0) continue;
    if (tokens[i] >= vocab)
      throw DetoxError("goodtriever: neighbour token id " + std::to_string(tokens[i]) +
                       " is outside the model's vocabulary of " + std::to_string(vocab) +
                       " (a datastore built for another tokenizer?)");
    const double e = std::exp(-(double(distances[i]) - best) / double(temperature));
    w.emplace_back(tokens[i], e);
    z += e;
  }
  KnnDistribution d;
  double entropy = 0;
  for (const auto& [tok, e] : w)
    if (e > 0) entropy -= (e / z) * std::log(e / z);
  d.effective_k = w.empty() ? 0.0 : std::exp(entropy);
  // Probabilities summed per token in double, then logs.
  std::sort(w.begin(), w.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<int32_t, double>> acc;
  for (const auto& [tok, e] : w) {
    if (!acc.empty() && acc.back().first == tok)
      acc.back().second += e / z;
    else
      acc.emplace_back(tok, e / z);
  }
  float floor = std::numeric_limits<float>::infinity();
  d.logp.reserve(acc.size());
  for (const auto& [tok, p] : acc) {
    const float lp = p > 0 ? float(std::log(p)) : kLogZero;
    d.logp.emplace_back(tok, lp);
    if (lp > kLogFloor) floor = std::min(floor, lp);
  }
  d.floor = std::isfinite(floor) ? floor : kLogZero;  // no neighbour at all: every token equally unknown
  for (auto& [tok, lp] : d.logp)
    if (lp <= kLogFloor) lp = d.floor;
  return d;
}

std::vector<int32_t> top_p_log_softmax(const float* logits, int64_t vocab, float top_p, float* out) {
  const float mx = *std::max_element(logits, logits + vocab);
  double z = 0;
  // expf of differences (each <= 0) summed in double: ~1e-7 relative, several
  // times faster than exp in double over a 262k vocabulary.
  for (int64_t i = 0; i < vocab; ++i) z += double(std::exp(logits[i] - mx));
  const float log_z = mx + float(std::log(z));
  for (int64_t i = 0; i < vocab; ++i) out[i] = logits[i] - log_z;
  std::vector<int32_t> kept;
  if (top_p >= 1.0f) {
    kept.resize(size_t(vocab));
    for (int64_t i = 0; i < vocab; ++i) kept[size_t(i)] = int32_t(i);
    return kept;
  }
  // The nucleus of a 262k vocabulary is small. Candidates within e^-20 of the
  // most likely token come first: every other token is less likely than all of
  // them, so when they reach top_p the nucleus is exact (otherwise every token
  // is a candidate). A growing prefix is partially sorted, not the whole list.
  const auto by_prob = [&](int32_t a, int32_t b) { return out[a] > out[b] || (out[a] == out[b] && a < b); };
  const float cut = (mx - log_z) - 20.0f;
  std::vector<int32_t> cand;
  for (int64_t i = 0; i < vocab; ++i)
    if (out[i] > cut) cand.push_back(int32_t(i));
  for (int pass = 0; pass < 2 && kept.empty(); ++pass) {
    if (pass == 1) {
      cand.resize(size_t(vocab));
      for (int64_t i = 0; i < vocab; ++i) cand[size_t(i)] = int32_t(i);
    }
    double cum = 0;
    size_t sorted = 0;
    for (size_t m = std::min<size_t>(cand.size(), 256); kept.empty(); m = std::min(cand.size(), m * 4)) {
      std::partial_sort(cand.begin() + long(sorted), cand.begin() + long(m), cand.end(), by_prob);
      for (; sorted < m; ++sorted) {
        cum += std::exp(double(out[cand[sorted]]));
        if (cum >= double(top_p)) {
          kept.assign(cand.begin(), cand.begin() + long(sorted) + 1);
          break;
        }
      }
      if (m == cand.size()) break;
    }
  }
  if (kept.empty()) kept = cand;  // rounding left the total just short of top_p: keep everything
  std::vector<float> keep_val(kept.size());
  for (size_t i = 0; i < kept.size(); ++i) keep_val[i] = out[kept[i]];
  std::fill(out, out + vocab, -std::numeric_limits<float>::infinity());
  for (size_t i = 0; i < kept.size(); ++i) out[kept[i]] = keep_val[i];
  return kept;
}

void goodtriever_combine(float* logits, int64_t vocab, const KnnDistribution& toxic, const KnnDistribution* nontoxic,
                         const GoodtrieverParams& params) {
  // lm = top-p-filtered log-probabilities; only the nucleus stays finite, so
  // only it is combined and renormalised.
  const std::vector<int32_t> nucleus = top_p_log_softmax(logits, vocab, params.top_p, logits);
  double mx = -std::numeric_limits<double>::infinity();
  for (const int32_t t : nucleus) {
    // Without a non-toxic store the model's own log-probability stands in; on
    // the nucleus it equals the filtered value.
    const float non = nontoxic ? nontoxic->log_prob(t) : logits[t];
    logits[t] += params.lambda * (non - toxic.log_prob(t));
    mx = std::max(mx, double(logits[t]));
  }
  double z = 0;
  for (const int32_t t : nucleus) z += std::exp(double(logits[t]) - mx);
  const float log_z = float(mx + std::log(z));
  for (const int32_t t : nucleus) logits[t] -= log_z;
}

}  // namespace polysafe::detox
