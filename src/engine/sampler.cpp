// Sampling steps follow llama.cpp src/llama-sampler.cpp (penalties, top-k,
// top-p, min-p, temp, dist), re-derived here over plain float arrays; the
// comments at each step give the rule it implements.
#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "util/error.h"

namespace polysafe::engine {

namespace {

std::string fmt(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

// Descending logit, ascending id on ties: a total order, so every sort below is
// deterministic whatever std::sort's algorithm.
template <class C>
bool before(const C& a, const C& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

}  // namespace

void SamplingParams::validate() const {
  if (!(temperature >= 0.0f) || std::isinf(temperature))
    throw UsageError("sampling: temperature must be a finite number >= 0 (0 = greedy), got " + fmt(temperature));
  if (top_k < 0) throw UsageError("sampling: top-k must be >= 0 (0 = off), got " + std::to_string(top_k));
  if (!(top_p > 0.0f && top_p <= 1.0f))
    throw UsageError("sampling: top-p must be in (0, 1] (1 = off), got " + fmt(top_p));
  if (!(min_p >= 0.0f && min_p <= 1.0f))
    throw UsageError("sampling: min-p must be in [0, 1] (0 = off), got " + fmt(min_p));
  if (!(repetition_penalty > 0.0f) || std::isinf(repetition_penalty))
    throw UsageError("sampling: repetition penalty must be a finite number > 0 (1 = off), got " +
                     fmt(repetition_penalty));
  if (repeat_last_n < -1)
    throw UsageError("sampling: repeat-last-n must be >= -1 (-1 = whole history, 0 = none), got " +
                     std::to_string(repeat_last_n));
}

double logsumexp(const float* logits, size_t vocab) {
  float mx = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < vocab; ++i) mx = std::max(mx, logits[i]);
  if (std::isinf(mx)) return static_cast<double>(mx);
  // expf of differences (each <= 0) summed in double: relative error ~1e-7,
  // several times faster than exp in double over a 262k vocabulary.
  double sum = 0.0;
  for (size_t i = 0; i < vocab; ++i) sum += static_cast<double>(std::exp(logits[i] - mx));
  return static_cast<double>(mx) + std::log(sum);
}

float token_logprob(const float* logits, size_t vocab, int32_t token) {
  return static_cast<float>(static_cast<double>(logits[token]) - logsumexp(logits, vocab));
}

SequenceSampler::SequenceSampler(const SamplingParams& params, uint64_t sequence_index)
    : params_(params), rng_(params.seed + sequence_index) {
  params_.validate();
}

double SequenceSampler::next_uniform() {
  // The top 53 bits of one 64-bit draw, scaled by 2^-53: exactly representable,
  // in [0, 1), and the same on every platform (std::uniform_real_distribution
  // is implementation-defined).
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

void SequenceSampler::apply_penalty(std::vector<Candidate>& cand) const {
  // CTRL-style repetition penalty as llama.cpp applies it (Keskar et al. 2019,
  // with llama.cpp's fix for negative logits): each distinct token of the last
  // repeat_last_n has its logit divided by the penalty if positive, multiplied
  // if <= 0 — once, however often it occurred. cand is indexed by token id here.
  if (params_.repetition_penalty == 1.0f || params_.repeat_last_n == 0 || history_.empty()) return;
  size_t n = history_.size();
  size_t first = params_.repeat_last_n < 0 ? 0 : n - std::min<size_t>(n, static_cast<size_t>(params_.repeat_last_n));
  std::unordered_set<int32_t> seen;
  for (size_t i = first; i < n; ++i) {
    int32_t t = history_[i];
    if (t < 0 || static_cast<size_t>(t) >= cand.size() || !seen.insert(t).second) continue;
    float& l = cand[static_cast<size_t>(t)].logit;
    if (l <= 0.0f)
      l *= params_.repetition_penalty;
    else
      l /= params_.repetition_penalty;
  }
}

SampledToken SequenceSampler::sample(const float* logits, size_t vocab, double log_z) {
  if (vocab == 0) throw UsageError("sampling: empty vocabulary (0 logits)");
  if (vocab > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    throw UsageError("sampling: vocabulary of " + std::to_string(vocab) + " logits is too large");
  for (size_t i = 0; i < vocab; ++i)
    if (std::isnan(logits[i]) || logits[i] == std::numeric_limits<float>::infinity())
      throw Error("sampling: logit of token " + std::to_string(i) + " is " + fmt(logits[i]));
  auto raw_logprob = [&](int32_t token) {
    if (std::isnan(log_z)) log_z = logsumexp(logits, vocab);
    return static_cast<float>(static_cast<double>(logits[token]) - log_z);
  };
  const bool penalise = params_.repetition_penalty != 1.0f && params_.repeat_last_n != 0 && !history_.empty();

  SampledToken out;
  if (params_.temperature == 0.0f && !penalise) {
    // Greedy without penalty: argmax of the logits as given, lowest id on ties.
    size_t best = 0;
    for (size_t i = 1; i < vocab; ++i)
      if (logits[i] > logits[best]) best = i;
    if (logits[best] == -std::numeric_limits<float>::infinity()) throw Error("sampling: every logit is -inf");
    out.token = static_cast<int32_t>(best);
    out.logprob = raw_logprob(out.token);
    history_.push_back(out.token);
    return out;
  }

  auto& cand = scratch_;
  cand.resize(vocab);
  for (size_t i = 0; i < vocab; ++i) cand[i] = {static_cast<int32_t>(i), logits[i]};

  // 1. repetition penalty (on every token of the vocabulary; cand is indexed by id).
  if (penalise) apply_penalty(cand);

  if (params_.temperature == 0.0f) {
    // Greedy: argmax of the penalised logits, lowest id on ties.
    size_t best = 0;
    for (size_t i = 1; i < vocab; ++i)
      if (cand[i].logit > cand[best].logit) best = i;
    if (cand[best].logit == -std::numeric_limits<float>::infinity()) throw Error("sampling: every logit is -inf");
    out.token = cand[best].id;
    out.logprob = raw_logprob(out.token);
    out.sample_logprob = 0.0f;
    history_.push_back(out.token);
    return out;
  }

  // Tokens at -inf can never be drawn: drop them first (llama.cpp keeps them
  // with probability 0; the result is the same).
  cand.erase(std::remove_if(cand.begin(), cand.end(),
                            [](const Candidate& c) { return c.logit == -std::numeric_limits<float>::infinity(); }),
             cand.end());
  if (cand.empty()) throw Error("sampling: every logit is -inf");
  const bool truncated_by_inf = cand.size() != vocab;

  // 2. top-k: keep the k highest logits (k >= size or 0: no-op).
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < cand.size()) {
    const auto k = static_cast<std::ptrdiff_t>(params_.top_k);
    std::partial_sort(cand.begin(), cand.begin() + k, cand.end(), before<Candidate>);
    cand.resize(static_cast<size_t>(k));
  }

  // 3. top-p (Holtzman et al. 2020, "nucleus"): softmax over the candidates
  // left, then keep the shortest prefix of the list sorted by descending
  // probability whose sum reaches p (the token that crosses p is kept).
  if (params_.top_p < 1.0f && cand.size() > 1) {
    float mx = -std::numeric_limits<float>::infinity();
    for (const auto& c : cand) mx = std::max(mx, c.logit);
    double z = 0.0;
    for (const auto& c : cand) z += static_cast<double>(std::exp(c.logit - mx));
    // Pre-filter so that only a short list is sorted: the n candidates below
    // delta = (1 - p) / n carry less than 1 - p in total, so those at or
    // above it already sum to at least p and the nucleus lies among them.
    // (Halved for rounding; it only has to keep a superset.)
    const double delta = 0.5 * (1.0 - static_cast<double>(params_.top_p)) / static_cast<double>(cand.size());
    const float min_logit = mx + static_cast<float>(std::log(delta * z));
    cand.erase(std::remove_if(cand.begin(), cand.end(), [&](const Candidate& c) { return c.logit < min_logit; }),
               cand.end());
    std::sort(cand.begin(), cand.end(), before<Candidate>);
    double cum = 0.0;
    size_t keep = cand.size();
    for (size_t i = 0; i < cand.size(); ++i) {
      cum += static_cast<double>(std::exp(cand[i].logit - mx)) / z;
      if (cum >= static_cast<double>(params_.top_p)) {
        keep = i + 1;
        break;
      }
    }
    cand.resize(keep);
  }

  // 4. min-p (Nguyen et al. 2024): keep tokens whose probability is at least
  // min_p times the top token's, i.e. logit >= max_logit + log(min_p).
  if (params_.min_p > 0.0f) {
    float mx = -std::numeric_limits<float>::infinity();
    for (const auto& c : cand) mx = std::max(mx, c.logit);
    const float min_logit = mx + std::log(params_.min_p);
    cand.erase(std::remove_if(cand.begin(), cand.end(), [&](const Candidate& c) { return c.logit < min_logit; }),
               cand.end());
  }

  // 5. temperature, softmax and one draw: the first candidate at which the
  // running sum of weights passes u * total. The candidates are in id order
  // if no step sorted them, else by descending logit with ties by id — a total
  // order, so the result for a seed is the same everywhere.
  const float inv_t = 1.0f / params_.temperature;
  float mx = -std::numeric_limits<float>::infinity();
  for (const auto& c : cand) mx = std::max(mx, c.logit);
  mx *= inv_t;
  weights_.resize(cand.size());
  double z = 0.0;
  for (size_t i = 0; i < cand.size(); ++i) {
    weights_[i] = static_cast<double>(std::exp(cand[i].logit * inv_t - mx));
    z += weights_[i];
  }
  const double target = next_uniform() * z;
  double cum = 0.0;
  size_t chosen = cand.size() - 1;  // guards against rounding at the top end
  for (size_t i = 0; i < cand.size(); ++i) {
    cum += weights_[i];
    if (target < cum) {
      chosen = i;
      break;
    }
  }
  out.token = cand[chosen].id;
  out.sample_logprob = static_cast<float>(static_cast<double>(cand[chosen].logit * inv_t - mx) - std::log(z));
  // Untouched distribution (no penalty, truncation or temperature): the two
  // log-probs are the same number; skip a second pass over the vocabulary.
  const bool untouched = !penalise && !truncated_by_inf && cand.size() == vocab && params_.temperature == 1.0f;
  out.logprob = untouched && std::isnan(log_z) ? out.sample_logprob : raw_logprob(out.token);
  history_.push_back(out.token);
  return out;
}

}  // namespace polysafe::engine
